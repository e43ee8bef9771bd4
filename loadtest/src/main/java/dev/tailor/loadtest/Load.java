package dev.tailor.loadtest;

import java.time.Duration;

/**
 * How much load, for how long: the profile with its rate (open and poisson: constant; bursty: the
 * average; ramp: the rate reached at the end), the users of a closed run, the duration, and the
 * bursty profile's period (every period, rate × period requests at once, so the average stays
 * {@code rate}).
 */
public record Load(Profile profile, double rate, int users, Duration duration, Duration burstPeriod) {
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
        if (burstPeriod.compareTo(Duration.ofMillis(10)) < 0 || burstPeriod.compareTo(duration) > 0) {
            throw new IllegalArgumentException("--burst-period must be between 10ms and the duration, got "
                    + Durations.format(burstPeriod));
        }
    }

    /** One scenario's part when {@code scenarios} run side by side: the rate and users split evenly. */
    public Load share(int scenarios) {
        return new Load(profile, rate / scenarios, Math.max(1, users / scenarios), duration, burstPeriod);
    }

    /** The same load for {@code other} instead of the duration (a shorter burst period if it must). */
    public Load lasting(Duration other) {
        return new Load(profile, rate, users, other, burstPeriod.compareTo(other) > 0 ? other : burstPeriod);
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
            case POISSON -> number(rate) + " req/s on average, random arrivals";
            case BURSTY -> number(rate) + " req/s on average, " + number(rate * burstPeriod.toMillis() / 1000.0)
                    + " at once every " + Durations.format(burstPeriod);
            case RAMP -> "0 to " + number(rate) + " req/s";
        };
        return profile.option() + ", " + what + " for " + Durations.format(duration);
    }

    private static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
