package dev.tailor.server.batch;

import java.util.Locale;

/**
 * When a forming batch that is not yet full starts.
 *
 * <ul>
 *   <li>{@link #WHEN_IDLE} (default): at once if none of the model's batches is running, so a lone
 *       request pays no batching window; while one runs, requests arriving meanwhile gather into the
 *       next batch until it is full, the running one ends, or the first has waited {@code max-queue-delay}.</li>
 *   <li>{@link #AFTER_DELAY}: always waits until the batch is full or its first request has waited
 *       {@code max-queue-delay} (the classic fixed window).</li>
 * </ul>
 */
public enum DispatchPolicy {
    WHEN_IDLE("when-idle"),
    AFTER_DELAY("after-delay");

    private final String key;

    DispatchPolicy(String key) {
        this.key = key;
    }

    /** The configuration value, e.g. {@code when-idle}. */
    public String key() {
        return key;
    }

    /** The policy named {@code value} in configuration. */
    public static DispatchPolicy parse(String value) {
        String wanted = value.strip().toLowerCase(Locale.ROOT);
        for (DispatchPolicy policy : values()) {
            if (policy.key.equals(wanted)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("dispatch must be when-idle or after-delay, got '" + value + "'");
    }
}
