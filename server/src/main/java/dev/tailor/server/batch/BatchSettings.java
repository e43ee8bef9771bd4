package dev.tailor.server.batch;

import java.time.Duration;

/**
 * Dynamic batching knobs for one model.
 *
 * @param maxBatchSize         most images in one ORT call (a single larger request runs alone)
 * @param maxQueueDelay        longest the first request of a batch waits for others to join
 * @param queueCapacity        most images waiting; beyond it requests are refused at once
 * @param maxConcurrentBatches batches of this model running at the same time
 * @param dispatch             whether a batch that is not full starts as soon as the model is idle
 *                             or only after {@code maxQueueDelay}
 */
public record BatchSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int maxConcurrentBatches,
                            DispatchPolicy dispatch) {
    public BatchSettings {
        java.util.Objects.requireNonNull(dispatch, "dispatch");
        if (maxBatchSize < 1 || queueCapacity < 1 || maxConcurrentBatches < 1) {
            throw new IllegalArgumentException("max-batch-size, queue-capacity and max-concurrent-batches must be >= 1,"
                    + " got " + maxBatchSize + ", " + queueCapacity + ", " + maxConcurrentBatches);
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max-queue-delay must not be negative");
        }
    }

    /** Settings with a fixed batching window ({@link DispatchPolicy#AFTER_DELAY}). */
    public BatchSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int maxConcurrentBatches) {
        this(maxBatchSize, maxQueueDelay, queueCapacity, maxConcurrentBatches, DispatchPolicy.AFTER_DELAY);
    }

    /** The same settings with {@code dispatch}. */
    public BatchSettings withDispatch(DispatchPolicy dispatch) {
        return new BatchSettings(maxBatchSize, maxQueueDelay, queueCapacity, maxConcurrentBatches, dispatch);
    }
}
