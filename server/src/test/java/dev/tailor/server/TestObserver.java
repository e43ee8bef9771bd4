package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.server.serving.ServingObserver;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link ServingObserver} whose warm-ups and batches pass through gates the test opens and
 * closes, and which counts the passes over the models folder.
 */
final class TestObserver implements ServingObserver {
    final Gate warmUps = new Gate();
    final Gate batches = new Gate();
    /** The most images one batch has held since the test last reset it. */
    final AtomicInteger largestBatch = new AtomicInteger();
    /** Thrown once by the next batch about to run, when set: a failure that is not the request's fault. */
    final AtomicReference<RuntimeException> failNextBatch = new AtomicReference<>();
    private final AtomicLong passes = new AtomicLong();

    @Override
    public void warmingUp(String model, String version) throws InterruptedException {
        warmUps.pass();
    }

    @Override
    public void batchStarting(String model, String version, int images) throws InterruptedException {
        largestBatch.accumulateAndGet(images, Math::max);
        batches.pass();
        RuntimeException failure = failNextBatch.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void synced() {
        synchronized (passes) {
            passes.incrementAndGet();
            passes.notifyAll();
        }
    }

    /** Passes over the folder finished so far. */
    long passes() {
        return passes.get();
    }

    /**
     * Waits until a pass that began after this call has finished: everything on disk now has been
     * seen (the pass running at the call may have listed the folder before a change, so two more).
     */
    void awaitFreshPass() throws InterruptedException {
        long target = passes.get() + 2;
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        synchronized (passes) {
            while (passes.get() < target) {
                long left = until - System.nanoTime();
                assertTrue(left > 0, "the server stopped looking at the models folder");
                TimeUnit.NANOSECONDS.timedWait(passes, left);
            }
        }
    }
}
