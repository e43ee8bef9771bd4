package dev.tailor.server.infer;

import java.util.List;

/** A protocol-neutral Open Inference Protocol response. */
public record InferResponse(String model, String version, String id, List<TensorOutput> outputs) {
}
