package dev.tailor.loadtest;

import java.util.Locale;

/**
 * How load arrives. Closed: a fixed number of users, each sending its next request when the last
 * one is answered, so a slow server is offered less. Open: requests arrive evenly spaced at a
 * constant rate whatever the server does. Poisson: the same rate with random (exponential)
 * gaps, as independent clients produce. Bursty: the same average rate in on/off bursts, all of
 * a burst's requests at once (dynamic batching's tail latency is known to suffer under bursts).
 * Ramp: the arrival rate climbs linearly to the given rate, so the run shows where the server
 * saturates.
 */
public enum Profile {
    CLOSED, OPEN, POISSON, BURSTY, RAMP;

    /** The name on the command line. */
    public String option() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a command-line name. */
    public static Profile parse(String text) {
        for (Profile p : values()) {
            if (p.option().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown profile '" + text + "' (choose from closed, open, poisson, bursty, ramp)");
    }
}
