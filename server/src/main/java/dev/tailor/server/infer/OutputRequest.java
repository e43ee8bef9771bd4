package dev.tailor.server.infer;

/**
 * An output a client asked for; {@code classification > 0} asks for the top-K classes as
 * {@code "value:index:label"} strings instead of the tensor (Triton's classification extension).
 */
public record OutputRequest(String name, int classification) {
}
