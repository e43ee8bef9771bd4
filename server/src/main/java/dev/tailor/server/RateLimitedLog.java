package dev.tailor.server;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.LongSupplier;

/**
 * Logs at most a burst of lines and then a steady few per second, so that a client sending bad
 * requests in a loop cannot flood the log: each line that is written says how many were left out
 * since the last one. A token bucket: {@code burst} tokens, one more every {@code 1 / perSecond}
 * seconds, one spent per line. Thread-safe.
 */
public final class RateLimitedLog {
    private final Logger logger;
    private final int burst;
    private final long nanosPerToken;
    private final LongSupplier clock;
    private double tokens;
    private long refilledAt;
    private long suppressed;

    /** Logs into {@code logger}: up to {@code burst} lines at once, then {@code perSecond} a second. */
    public RateLimitedLog(Logger logger, int burst, int perSecond) {
        this(logger, burst, perSecond, System::nanoTime);
    }

    /** As above, reading time from {@code clock} (nanoseconds; tests pass their own). */
    RateLimitedLog(Logger logger, int burst, int perSecond, LongSupplier clock) {
        if (burst < 1 || perSecond < 1) {
            throw new IllegalArgumentException("burst and perSecond must be >= 1");
        }
        this.logger = logger;
        this.burst = burst;
        this.nanosPerToken = 1_000_000_000L / perSecond;
        this.clock = clock;
        this.tokens = burst;
        this.refilledAt = clock.getAsLong();
    }

    /** Logs one line, unless the rate is exceeded; {@code failure} (may be null) adds its stack trace. */
    public void log(Level level, String line, Throwable failure) {
        if (!logger.isLoggable(level)) {
            return;
        }
        long left;
        synchronized (this) {
            long now = clock.getAsLong();
            tokens = Math.min(burst, tokens + (double) (now - refilledAt) / nanosPerToken);
            refilledAt = now;
            if (tokens < 1) {
                suppressed++;
                return;
            }
            tokens -= 1;
            left = suppressed;
            suppressed = 0;
        }
        String text = left == 0 ? line : line + " (" + left + " similar line" + (left == 1 ? "" : "s")
                + " left out before this one)";
        if (failure == null) {
            logger.log(level, text);
        } else {
            logger.log(level, text, failure);
        }
    }

    /** {@link #log(Level, String, Throwable)} without a stack trace. */
    public void log(Level level, String line) {
        log(level, line, null);
    }
}
