package dev.tailor.server.batch;

import java.time.Duration;
import java.util.Objects;

/**
 * Dynamic batching knobs for one model.
 *
 * @param maxBatchSize         most images in one ORT call (a single larger request runs alone)
 * @param maxQueueDelay        longest the first request of a batch waits for others to join
 * @param queueCapacity        most images waiting; beyond it requests are refused at once
 * @param maxConcurrentBatches batches of this model running at the same time
 * @param dispatch             whether a batch that is not full starts as soon as the model is idle
 *                             or only after {@code maxQueueDelay}
 * @param maxQueueWait         admission by expected wait: a request whose images would wait longer than
 *                             this before their batch starts (the images ahead of it at the model's
 *                             recent speed) is refused at once; {@link Duration#ZERO} = off, only
 *                             {@code queueCapacity} bounds the queue
 */
public record BatchSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int maxConcurrentBatches,
                            DispatchPolicy dispatch, Duration maxQueueWait) {
    public BatchSettings {
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(maxQueueWait, "maxQueueWait");
        if (maxBatchSize < 1 || queueCapacity < 1 || maxConcurrentBatches < 1) {
            throw new IllegalArgumentException("max-batch-size, queue-capacity and max-concurrent-batches must be >= 1,"
                    + " got " + maxBatchSize + ", " + queueCapacity + ", " + maxConcurrentBatches);
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max-queue-delay must not be negative");
        }
        if (maxQueueWait.isNegative()) {
            throw new IllegalArgumentException("max-queue-wait must not be negative (0 = off)");
        }
    }

    /** Settings without admission by expected wait. */
    public BatchSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int maxConcurrentBatches,
                         DispatchPolicy dispatch) {
        this(maxBatchSize, maxQueueDelay, queueCapacity, maxConcurrentBatches, dispatch, Duration.ZERO);
    }

    /** Settings with a fixed batching window ({@link DispatchPolicy#AFTER_DELAY}) and no admission by expected wait. */
    public BatchSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int maxConcurrentBatches) {
        this(maxBatchSize, maxQueueDelay, queueCapacity, maxConcurrentBatches, DispatchPolicy.AFTER_DELAY);
    }

    /** The same settings with {@code dispatch}. */
    public BatchSettings withDispatch(DispatchPolicy dispatch) {
        return new BatchSettings(maxBatchSize, maxQueueDelay, queueCapacity, maxConcurrentBatches, dispatch,
                maxQueueWait);
    }

    /** The same settings with {@code maxQueueWait} (ZERO = off). */
    public BatchSettings withMaxQueueWait(Duration maxQueueWait) {
        return new BatchSettings(maxBatchSize, maxQueueDelay, queueCapacity, maxConcurrentBatches, dispatch,
                maxQueueWait);
    }
}
