package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Waits in tests for a state another thread brings about (a file served, a batcher idle): polls a
 * condition every few milliseconds until it holds. The deadline only turns a hang into a failure,
 * so it is generous; nothing about how long the wait took is asserted.
 */
public final class Eventually {
    private static final long POLL_MILLIS = 10;

    private Eventually() {
    }

    /** Polls {@code done} until it holds; fails with {@code failure}'s message once {@code deadline} has passed. */
    public static void await(Duration deadline, Supplier<String> failure, Callable<Boolean> done) throws Exception {
        value(deadline, failure, () -> done.call() ? Boolean.TRUE : null);
    }

    /**
     * Polls {@code found} until it returns a value other than null and returns that value; fails with
     * {@code failure}'s message once {@code deadline} has passed.
     */
    public static <T> T value(Duration deadline, Supplier<String> failure, Callable<T> found) throws Exception {
        long until = System.nanoTime() + deadline.toNanos();
        for (T value = found.call(); ; value = found.call()) {
            if (value != null) {
                return value;
            }
            assertTrue(System.nanoTime() < until, failure);
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** {@link #await(Duration, Supplier, Callable)} with a fixed message. */
    public static void await(Duration deadline, String failure, Callable<Boolean> done) throws Exception {
        await(deadline, () -> failure, done);
    }
}
