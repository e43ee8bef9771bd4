package dev.tailor.server.infer;

/**
 * One input tensor as a client sent it, already read into floats. {@code data} holds whatever
 * number of values arrived; {@link Inference} checks it against {@code shape} before anything
 * is queued.
 */
public record TensorInput(String name, String datatype, long[] shape, float[] data) {
}
