package dev.tailor.exporter;

import java.util.Map;

/**
 * What one ONNX operator accepts: its input count range and its attributes with their types.
 * The writer checks every node it builds against this, as Tribuo's ONNXOperators do.
 */
public record OnnxOpSpec(String type, int minInputs, int maxInputs, Map<String, AttrType> attributes) {

    /** ONNX attribute kinds this exporter writes. */
    public enum AttrType {
        INT, INTS, FLOAT
    }

    public OnnxOpSpec {
        attributes = Map.copyOf(attributes);
    }
}
