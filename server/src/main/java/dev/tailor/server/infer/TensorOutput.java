package dev.tailor.server.infer;

import java.util.List;

/**
 * One output tensor of a response: FP32 {@code data}, or BYTES {@code strings} for a
 * classification output.
 */
public record TensorOutput(String name, String datatype, long[] shape, float[] data, List<String> strings) {
    /** An FP32 tensor. */
    public static TensorOutput fp32(String name, long[] shape, float[] data) {
        return new TensorOutput(name, "FP32", shape, data, null);
    }

    /** A BYTES tensor of strings. */
    public static TensorOutput bytes(String name, long[] shape, List<String> strings) {
        return new TensorOutput(name, "BYTES", shape, null, List.copyOf(strings));
    }
}
