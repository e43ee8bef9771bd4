package dev.tailor.server.batch;

/**
 * Hears what a {@link DynamicBatcher} does, for metrics. Called on batcher threads: keep it cheap
 * (only a test's {@link #batchStarting} blocks, to hold a batch in flight on purpose).
 */
public interface BatchListener {
    /** A listener that ignores everything. */
    BatchListener NONE = new BatchListener() {
        @Override
        public void batchRan(int images, long computeNanos) {
        }

        @Override
        public void requestDequeued(long queueNanos) {
        }
    };

    /** A batch of {@code images} images is about to run; the run waits until this returns. */
    default void batchStarting(int images) throws InterruptedException {
    }

    /** One ORT call over {@code images} images took {@code computeNanos}. */
    void batchRan(int images, long computeNanos);

    /** A request waited {@code queueNanos} between submission and the start of its batch's run. */
    void requestDequeued(long queueNanos);
}
