package dev.tailor.server.serving;

/**
 * Hears the steps of serving that take time or happen in the background: a model warming up
 * before it may serve, a batch about to run, a pass over the models folder finished. The server
 * passes {@link #NONE}; tests pass one that counts down a latch or holds a step, so that they
 * observe a state ("not ready yet", "a batch in flight") deterministically instead of hoping a
 * step is slow enough. Methods run on the loader or batcher threads: blocking in one holds that
 * thread, which is the point for tests and must never happen in production.
 */
public interface ServingObserver {
    /** Observes nothing. */
    ServingObserver NONE = new ServingObserver() {
    };

    /** {@code model} {@code version} is loaded and checked, and about to warm up; it is not serving yet. */
    default void warmingUp(String model, String version) throws InterruptedException {
    }

    /** A batch of {@code images} images of {@code model} {@code version} is about to run on ONNX Runtime. */
    default void batchStarting(String model, String version, int images) throws InterruptedException {
    }

    /** A pass over the models folder finished: every change it saw is loaded, rejected or retired. */
    default void synced() {
    }
}
