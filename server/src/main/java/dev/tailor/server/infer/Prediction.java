package dev.tailor.server.infer;

/** One class of a top-K answer. */
public record Prediction(int index, String label, float probability) {
}
