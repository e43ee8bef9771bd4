package dev.tailor.server.serving;

import dev.tailor.server.batch.BatchListener;
import dev.tailor.server.model.ModelInfo;

import java.util.function.IntSupplier;

/**
 * The meters of served models, as the repository manager needs them: registered when an instance
 * starts serving, removed when it is replaced or removed, so that no gauge outlives its model.
 */
public interface ModelMetrics {
    /** Keeps no meters. */
    ModelMetrics NONE = new ModelMetrics() {
        @Override
        public BatchListener attach(ModelInfo info, String sha256, IntSupplier queueDepth) {
            return BatchListener.NONE;
        }

        @Override
        public void detach(ModelInfo info) {
        }

        @Override
        public void forget(String model) {
        }
    };

    /** Registers the meters of one instance (by model and version) and returns the listener that feeds them. */
    BatchListener attach(ModelInfo info, String sha256, IntSupplier queueDepth);

    /** Removes the meters of {@code info}'s model and version. */
    void detach(ModelInfo info);

    /** Removes every meter of {@code model}, its request counts included: it is gone from the repository. */
    void forget(String model);
}
