package dev.tailor.server.batch;

/**
 * How long images queued now will wait before their batch starts, from the model's recent speed:
 * a moving average of what one full batch takes (each batch at least half full counts, scaled to
 * full size; smaller ones, typical of a quiet model, would make a sudden burst look slower than it
 * will run). Until such a batch has run there is no estimate and nothing is refused for it.
 * Thread-safe: workers record, submitters read.
 */
final class WaitEstimate {
    // weight of the newest batch: about the last ten batches count
    private static final double WEIGHT = 0.2;

    private final int maxBatchSize;
    private final int concurrentBatches;
    private volatile double fullBatchNanos; // 0 = not measured yet

    WaitEstimate(int maxBatchSize, int concurrentBatches) {
        this.maxBatchSize = maxBatchSize;
        this.concurrentBatches = concurrentBatches;
    }

    /** A batch of {@code images} images took {@code computeNanos} in ONNX Runtime. */
    synchronized void record(int images, long computeNanos) {
        if (images * 2 < maxBatchSize || images > maxBatchSize || computeNanos <= 0) {
            return;
        }
        double sample = (double) computeNanos * maxBatchSize / images;
        double current = fullBatchNanos;
        fullBatchNanos = current == 0 ? sample : current + WEIGHT * (sample - current);
    }

    /** Expected wait of an image behind {@code imagesAhead} queued images, or 0 while nothing was measured. */
    long waitNanos(int imagesAhead) {
        long batchesAhead = (imagesAhead + maxBatchSize - 1) / maxBatchSize;
        return (long) (batchesAhead * fullBatchNanos / concurrentBatches);
    }

    /** Whether a batch has been measured. */
    boolean measured() {
        return fullBatchNanos > 0;
    }
}
