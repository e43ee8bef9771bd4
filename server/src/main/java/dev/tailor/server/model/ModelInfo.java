package dev.tailor.server.model;

import java.util.List;
import java.util.Map;

/**
 * What the server knows about one loaded model: identity, tensors, labels, input normalization
 * and the execution provider it runs on. Immutable; built by {@link OnnxModel} from the session
 * and the metadata the exporter writes.
 *
 * @param name        served name ({@code name.onnx}, or the folder of {@code name/<version>/model.onnx})
 * @param version     the version folder's number, else the {@code model_version} metadata ("1" when absent)
 * @param description the model's doc string
 * @param input       the single FP32 input, batch first
 * @param outputs     the FP32 outputs, batch first, in session order
 * @param labels      one class name per output column
 * @param inputScale  factor from 0..255 pixels to the model's input range
 * @param provider    execution provider in use, e.g. {@code CPUExecutionProvider}
 * @param metadata    the custom metadata as written in the file
 */
public record ModelInfo(String name, String version, String description, TensorSpec input,
                        List<TensorSpec> outputs, List<String> labels, float inputScale, String provider,
                        Map<String, String> metadata) {
    public ModelInfo {
        outputs = List.copyOf(outputs);
        labels = List.copyOf(labels);
        metadata = Map.copyOf(metadata);
    }

    /** The output with this name, if the model has it. */
    public java.util.Optional<TensorSpec> output(String outputName) {
        return outputs.stream().filter(o -> o.name().equals(outputName)).findFirst();
    }

    /** Whether the input is a 28×28 single-channel image, so the image APIs apply. */
    public boolean takesImages() {
        long[] s = input.shape();
        return input.itemSize() == 28 * 28 && s[s.length - 1] == 28 && s[s.length - 2] == 28;
    }
}
