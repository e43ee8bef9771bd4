package dev.tailor.server.batch;

import java.time.Duration;

/**
 * Dynamic batching knobs for one model.
 *
 * @param maxBatchSize         most images in one ORT call (a single larger request runs alone)
 * @param maxQueueDelay        longest the first request of a batch waits for others to join
 * @param queueCapacity        most images waiting; beyond it requests are refused at once
 * @param maxConcurrentBatches batches of this model running at the same time
 */
public record BatchSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int maxConcurrentBatches) {
    public BatchSettings {
        if (maxBatchSize < 1 || queueCapacity < 1 || maxConcurrentBatches < 1) {
            throw new IllegalArgumentException("max-batch-size, queue-capacity and max-concurrent-batches must be >= 1,"
                    + " got " + maxBatchSize + ", " + queueCapacity + ", " + maxConcurrentBatches);
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max-queue-delay must not be negative");
        }
    }
}
