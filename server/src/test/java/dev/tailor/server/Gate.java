package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A gate a server thread passes through at a step (a warm-up, a batch about to run): open, it
 * passes at once; closed, it waits until the test opens it. The test knows when a thread is held
 * ({@link #awaitHeld}), so it can observe "not ready yet" or "a batch in flight" without relying
 * on a step being slow.
 */
final class Gate {
    private volatile CountDownLatch closed; // null while open
    private final Semaphore held = new Semaphore(0);

    /** Holds every thread that arrives from now on, until {@link #open()}. */
    Gate close() {
        held.drainPermits();
        closed = new CountDownLatch(1);
        return this;
    }

    /** Lets the held threads and every later one pass. */
    void open() {
        CountDownLatch latch = closed;
        closed = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Called by the server thread at the step. */
    void pass() throws InterruptedException {
        CountDownLatch latch = closed;
        if (latch != null) {
            held.release();
            latch.await();
        }
    }

    /** Waits (generously) until {@code threads} threads are held at the closed gate. */
    void awaitHeld(int threads) throws InterruptedException {
        assertTrue(held.tryAcquire(threads, 2, TimeUnit.MINUTES), "no thread reached the gate");
    }
}
