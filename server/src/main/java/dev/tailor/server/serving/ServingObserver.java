package dev.tailor.server.serving;

/**
 * Hears the steps of serving that take time: a model warming up before it may serve, and a batch
 * about to run. The server passes {@link #NONE}; tests pass one that counts down a latch or holds
 * a step, so that they observe a state ("not ready yet", "a batch in flight") deterministically
 * instead of hoping a step is slow enough. Methods run on the loader or batcher thread: blocking
 * in one holds that thread, which is the point for tests and must never happen in production.
 */
public interface ServingObserver {
    /** Observes nothing. */
    ServingObserver NONE = new ServingObserver() {
    };

    /** {@code model} is loaded and about to run its warm-up batches; it is not serving yet. */
    default void warmingUp(String model) throws InterruptedException {
    }

    /** A batch of {@code images} images of {@code model} is about to run on ONNX Runtime. */
    default void batchStarting(String model, int images) throws InterruptedException {
    }
}
