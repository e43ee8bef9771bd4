package dev.tailor.server.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The queue-wait estimate behind admission: a fit of batch time against size that follows the model at any load. */
class WaitEstimateTest {
    private static final long MS = 1_000_000;

    @Test
    void nothingIsEstimatedBeforeABatchRan() {
        WaitEstimate estimate = new WaitEstimate(32, 1);
        assertEquals(0, estimate.waitNanos(500, 1, 32));
    }

    @Test
    void fitsFixedAndPerImageCostAndCountsRunningAndFullQueuedBatches() {
        WaitEstimate estimate = new WaitEstimate(32, 1);
        for (int i = 0; i < 20; i++) {
            estimate.record(1, 2 * MS);
            estimate.record(32, 12 * MS);
        }
        assertEquals(12 * MS, estimate.batchNanos(32), 0.01 * MS);
        assertEquals(2 * MS, estimate.batchNanos(1), 0.01 * MS);
        assertEquals(0, estimate.waitNanos(0, 0, 0), "idle and nothing queued: no wait");
        assertEquals(0, estimate.waitNanos(31, 0, 0), "what does not fill a batch rides in the new one");
        // half of the running full batch, then two full batches queued ahead
        assertEquals(6 * MS + 2 * 12 * MS, estimate.waitNanos(64, 1, 32), 0.05 * MS);
        WaitEstimate twoWorkers = new WaitEstimate(32, 2);
        for (int i = 0; i < 20; i++) {
            twoWorkers.record(1, 2 * MS);
            twoWorkers.record(32, 12 * MS);
        }
        assertEquals((2 * 6 * MS + 2 * 12 * MS) / 2.0, twoWorkers.waitNanos(64, 2, 64), 0.05 * MS);
    }

    @Test
    void slowBatchesDuringWarmUpDoNotFreezeTheEstimateWhenOnlySmallBatchesFollow() {
        WaitEstimate estimate = new WaitEstimate(32, 1);
        for (int i = 0; i < 10; i++) {
            estimate.record(32, 100 * MS); // a cold JIT, a busy machine
        }
        assertTrue(estimate.waitNanos(1, 1, 32) > 25 * MS);
        for (int i = 0; i < 200; i++) {
            estimate.record(1, 17 * MS / 10); // refusals keep the queue short: lone images only
        }
        assertTrue(estimate.waitNanos(1, 1, 1) < 1 * MS, "behind one running image: " + estimate.waitNanos(1, 1, 1));
        for (int i = 0; i < 100; i++) {
            int images = 8 + i % 25;
            estimate.record(images, MS / 2 + images * 3 * MS / 10); // the queue builds again: the true cost shows
        }
        assertEquals(MS / 2 + 32 * 3 * MS / 10, estimate.batchNanos(32), 0.05 * MS);
    }

    @Test
    void batchesOfOneSizeScaleInProportion() {
        WaitEstimate estimate = new WaitEstimate(32, 1);
        for (int i = 0; i < 5; i++) {
            estimate.record(4, 4 * MS);
        }
        assertEquals(32 * MS, estimate.batchNanos(32), 0.01 * MS);
        assertEquals(2 * MS + 32 * MS, estimate.waitNanos(40, 1, 4), 0.01 * MS);
    }
}
