package dev.tailor.exporter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ONNX operators (opset 13) the exporter may emit, declared once. Building a node of an
 * operator that is not here, with the wrong number of inputs, or with an attribute the operator
 * does not have, fails with a message naming the operator and the node.
 */
public final class OnnxOpTable {
    /** The opset every exported file declares. */
    public static final int OPSET = 13;

    private final Map<String, OnnxOpSpec> specs;

    private OnnxOpTable(Map<String, OnnxOpSpec> specs) {
        this.specs = Map.copyOf(specs);
    }

    /** Every operator the six architectures need. */
    public static OnnxOpTable standard() {
        Map<String, OnnxOpSpec> m = new LinkedHashMap<>();
        add(m, new OnnxOpSpec("Conv", 2, 3, Map.of("kernel_shape", OnnxOpSpec.AttrType.INTS,
                "strides", OnnxOpSpec.AttrType.INTS, "pads", OnnxOpSpec.AttrType.INTS, "dilations", OnnxOpSpec.AttrType.INTS,
                "group", OnnxOpSpec.AttrType.INT)));
        add(m, new OnnxOpSpec("BatchNormalization", 5, 5, Map.of("epsilon", OnnxOpSpec.AttrType.FLOAT,
                "momentum", OnnxOpSpec.AttrType.FLOAT)));
        add(m, new OnnxOpSpec("Relu", 1, 1, Map.of()));
        add(m, new OnnxOpSpec("MaxPool", 1, 1, Map.of("kernel_shape", OnnxOpSpec.AttrType.INTS,
                "strides", OnnxOpSpec.AttrType.INTS, "pads", OnnxOpSpec.AttrType.INTS)));
        add(m, new OnnxOpSpec("Add", 2, 2, Map.of()));
        add(m, new OnnxOpSpec("GlobalAveragePool", 1, 1, Map.of()));
        add(m, new OnnxOpSpec("Flatten", 1, 1, Map.of("axis", OnnxOpSpec.AttrType.INT)));
        add(m, new OnnxOpSpec("Gemm", 2, 3, Map.of("alpha", OnnxOpSpec.AttrType.FLOAT, "beta", OnnxOpSpec.AttrType.FLOAT,
                "transA", OnnxOpSpec.AttrType.INT, "transB", OnnxOpSpec.AttrType.INT)));
        add(m, new OnnxOpSpec("Softmax", 1, 1, Map.of("axis", OnnxOpSpec.AttrType.INT)));
        return new OnnxOpTable(m);
    }

    private static void add(Map<String, OnnxOpSpec> m, OnnxOpSpec spec) {
        m.put(spec.type(), spec);
    }

    /** A copy without {@code type} (tests use it to prove unknown operators fail loudly). */
    public OnnxOpTable without(String type) {
        Map<String, OnnxOpSpec> m = new LinkedHashMap<>(specs);
        m.remove(type);
        return new OnnxOpTable(m);
    }

    /** The operator types known, for messages. */
    public List<String> types() {
        return specs.keySet().stream().sorted().toList();
    }

    /** Checks a node before it is written. */
    public void check(String type, String node, int inputs, Map<String, Object> attributes) {
        OnnxOpSpec spec = specs.get(type);
        if (spec == null) {
            throw new UnsupportedOperationException("ONNX operator '" + type + "' needed by node '" + node
                    + "' is not in the exporter's op table " + types());
        }
        if (inputs < spec.minInputs() || inputs > spec.maxInputs()) {
            throw new IllegalArgumentException(type + " node '" + node + "' has " + inputs + " inputs, expected "
                    + spec.minInputs() + ".." + spec.maxInputs());
        }
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            OnnxOpSpec.AttrType expected = spec.attributes().get(a.getKey());
            if (expected == null) {
                throw new IllegalArgumentException(type + " node '" + node + "' has unknown attribute '" + a.getKey() + "'");
            }
            boolean ok = switch (expected) {
                case INT -> a.getValue() instanceof Integer || a.getValue() instanceof Long;
                case INTS -> a.getValue() instanceof long[];
                case FLOAT -> a.getValue() instanceof Float || a.getValue() instanceof Double;
            };
            if (!ok) {
                throw new IllegalArgumentException(type + " node '" + node + "' attribute '" + a.getKey()
                        + "' must be " + expected + ", got " + a.getValue().getClass().getSimpleName());
            }
        }
    }
}
