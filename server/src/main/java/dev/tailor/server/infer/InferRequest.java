package dev.tailor.server.infer;

import java.time.Duration;
import java.util.List;

/**
 * A protocol-neutral Open Inference Protocol request.
 *
 * @param model   model name
 * @param version requested version; empty for any
 * @param id      the client's request id, echoed back; may be empty
 * @param inputs  the input tensors
 * @param outputs the outputs asked for; empty means all, as tensors
 * @param timeout how long the caller will wait; null for the server default
 */
public record InferRequest(String model, String version, String id, List<TensorInput> inputs,
                           List<OutputRequest> outputs, Duration timeout) {
}
