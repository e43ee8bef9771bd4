package dev.tailor.server.explain;

import java.time.Duration;

/**
 * What a client asked to have explained, protocol-neutral.
 *
 * @param model   model name (its latest version answers)
 * @param target  the class to explain, as an index or a label; null for the predicted class
 * @param patch   patch side in pixels; null for the configured default
 * @param stride  stride in pixels; null for the configured default
 * @param topK    classes in the answer's top-K
 * @param timeout how long the caller waits for the whole explanation; null for the server default
 */
public record ExplainRequest(String model, String target, Integer patch, Integer stride, int topK, Duration timeout) {
}
