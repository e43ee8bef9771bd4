package dev.tailor.server.explain;

/**
 * Where explanations are counted, apart from the requests and images every call counts: one
 * explanation request, and the occluded variants it sent through the model's batcher.
 */
public interface ExplanationMeter {
    /** Counts nothing. */
    ExplanationMeter NONE = new ExplanationMeter() {
        @Override
        public void explanationStarted(String model) {
        }

        @Override
        public void variantsSubmitted(String model, int variants) {
        }
    };

    /** An explanation of {@code model} passed its checks and starts running. */
    void explanationStarted(String model);

    /** {@code variants} occluded variants of one explanation went into {@code model}'s batcher. */
    void variantsSubmitted(String model, int variants);
}
