package dev.tailor.loadtest;

import java.util.Locale;

/**
 * How load arrives. Closed: a fixed number of users, each sending its next request when the last
 * one is answered, so a slow server is offered less. Open: requests arrive at a constant rate
 * whatever the server does. Bursty: the same average rate in on/off bursts (dynamic batching's
 * tail latency is known to suffer there). Ramp: the arrival rate climbs linearly to the given
 * rate, so the run shows where the server saturates.
 */
public enum Profile {
    CLOSED, OPEN, BURSTY, RAMP;

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
        throw new IllegalArgumentException("unknown profile '" + text + "' (choose from closed, open, bursty, ramp)");
    }
}
