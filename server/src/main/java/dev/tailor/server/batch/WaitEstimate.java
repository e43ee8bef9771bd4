package dev.tailor.server.batch;

/**
 * How long an image queued now will wait before its batch starts, from the model's recent speed.
 * Every batch that runs refines a straight-line fit of ONNX Runtime time against batch size
 * ({@code time(n) = fixed + perImage × n}, a least-squares fit over the recent batches, older ones
 * fading), so the estimate follows the model whatever the load: an estimate that only learned from
 * full batches froze when refusals kept batches small (measured: one slow batch during JIT warm-up
 * then refused 93 % of a load the model could serve). The wait is what is still to run before a new
 * batch can start: about half of each running batch (it arrives, on average, halfway through) plus
 * every full batch already queued ahead; images ahead that do not fill a batch ride in its own.
 * Until a batch has run there is no estimate and nothing is refused for it. Thread-safe: workers
 * record, submitters read.
 */
final class WaitEstimate {
    // each batch keeps this share of the weight of those before it: about the last 20 batches count
    private static final double DECAY = 0.95;
    // below this spread of batch sizes (in images) the fit cannot tell fixed from per-image cost
    private static final double MIN_SIZE_VARIANCE = 1.0;

    private final int maxBatchSize;
    private final int concurrentBatches;
    // decayed sums over the recorded batches: weights, sizes, times, sizes squared, sizes times times
    private double weights;
    private double sizes;
    private double times;
    private double sizesSquared;
    private double sizesTimesTimes;
    // the fit, published for readers: time of a batch = fixedNanos + perImageNanos × images
    private volatile Fit fit;

    private record Fit(double fixedNanos, double perImageNanos) {
        double nanos(double images) {
            return fixedNanos + perImageNanos * images;
        }
    }

    WaitEstimate(int maxBatchSize, int concurrentBatches) {
        this.maxBatchSize = maxBatchSize;
        this.concurrentBatches = concurrentBatches;
    }

    /** A batch of {@code images} images took {@code computeNanos} in ONNX Runtime. */
    synchronized void record(int images, long computeNanos) {
        if (images < 1 || computeNanos <= 0) {
            return;
        }
        weights = weights * DECAY + 1;
        sizes = sizes * DECAY + images;
        times = times * DECAY + computeNanos;
        sizesSquared = sizesSquared * DECAY + (double) images * images;
        sizesTimesTimes = sizesTimesTimes * DECAY + (double) images * computeNanos;
        fit = fit();
    }

    private Fit fit() {
        double meanSize = sizes / weights;
        double meanTime = times / weights;
        double variance = sizesSquared / weights - meanSize * meanSize;
        if (variance >= MIN_SIZE_VARIANCE) {
            double slope = (sizesTimesTimes / weights - meanSize * meanTime) / variance;
            double intercept = meanTime - slope * meanSize;
            if (slope > 0 && intercept >= 0) {
                return new Fit(intercept, slope);
            }
        }
        // batches of one size (or a fit that noise bent out of shape): time in proportion to size, which
        // errs long for larger batches; those come only with a longer queue, and then teach the fit
        return new Fit(0, meanTime / meanSize);
    }

    /**
     * Expected wait of an image arriving behind {@code imagesAhead} queued images while
     * {@code runningBatches} batches of {@code runningImages} images in all run, or 0 while nothing
     * was measured.
     */
    long waitNanos(int imagesAhead, int runningBatches, int runningImages) {
        Fit current = fit;
        if (current == null) {
            return 0;
        }
        double running = runningBatches == 0 ? 0 : runningBatches * current.nanos((double) runningImages / runningBatches) / 2;
        double queued = (double) (imagesAhead / maxBatchSize) * current.nanos(maxBatchSize);
        return (long) ((running + queued) / concurrentBatches);
    }

    /** The expected time of one batch of {@code images} images, or 0 while nothing was measured. */
    long batchNanos(int images) {
        Fit current = fit;
        return current == null ? 0 : (long) current.nanos(images);
    }
}
