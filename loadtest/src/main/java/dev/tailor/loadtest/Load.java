package dev.tailor.loadtest;

import java.time.Duration;

/**
 * How much load, for how long: the profile with its rate (open: constant; bursty: the average;
 * ramp: the rate reached at the end), the users of a closed run, the duration, and the shape of
 * bursts (at {@code burstFactor} × rate for 1/burstFactor of each {@code burstPeriod}, silent for
 * the rest, so the average stays {@code rate}).
 */
public record Load(Profile profile, double rate, int users, Duration duration, double burstFactor, Duration burstPeriod) {
    /** The longest run allowed: every run is bounded. */
    public static final Duration MAX_DURATION = Duration.ofHours(4);

    public Load {
        if (!(rate > 0) || rate > 1_000_000) {
            throw new IllegalArgumentException("--rate must be > 0 and <= 1000000 requests/s, got " + rate);
        }
        if (users < 1 || users > 100_000) {
            throw new IllegalArgumentException("--users must be between 1 and 100000, got " + users);
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--duration must be between 1s and 4h, got " + Durations.format(duration));
        }
        if (!(burstFactor >= 1) || burstFactor > 1000) {
            throw new IllegalArgumentException("--burst-factor must be between 1 and 1000, got " + burstFactor);
        }
        if (burstPeriod.compareTo(Duration.ofMillis(100)) < 0 || burstPeriod.compareTo(duration) > 0) {
            throw new IllegalArgumentException("--burst-period must be between 100ms and the duration, got "
                    + Durations.format(burstPeriod));
        }
    }

    /** One scenario's part when {@code scenarios} run side by side: the rate and users split evenly. */
    public Load share(int scenarios) {
        return new Load(profile, rate / scenarios, Math.max(1, users / scenarios), duration, burstFactor, burstPeriod);
    }

    /** The arrival rate the profile offers {@code elapsed} into the run (averaged over a burst period). */
    public double offeredAt(Duration elapsed) {
        if (profile == Profile.RAMP) {
            return rate * Math.min(1.0, (double) elapsed.toMillis() / duration.toMillis());
        }
        return rate;
    }

    /** One line for people, e.g. {@code open, 1500 req/s for 60s}. */
    public String describe() {
        String what = switch (profile) {
            case CLOSED -> users + " concurrent users";
            case OPEN -> number(rate) + " req/s";
            case BURSTY -> number(rate) + " req/s on average, in bursts of " + number(rate * burstFactor) + " req/s for "
                    + Durations.format(Duration.ofMillis((long) (burstPeriod.toMillis() / burstFactor))) + " every "
                    + Durations.format(burstPeriod);
            case RAMP -> "0 to " + number(rate) + " req/s";
        };
        return profile.option() + ", " + what + " for " + Durations.format(duration);
    }

    private static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
