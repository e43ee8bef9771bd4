package dev.tailor.loadtest.report;

import dev.tailor.loadtest.Load;
import dev.tailor.loadtest.report.ThroughputSampler.Sample;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A ramp's verdict, from the server's served counts sampled during the injection: the highest rate
 * it served over any two-second window, and the offered rate from which on it served less than
 * {@value #KEEPING_UP} of what arrived until the ramp's end (it saturated there), if it did.
 *
 * @param peak        the highest served rate, requests/s
 * @param fellBehindAt the offered rate from which the server fell behind for good, or NaN when it kept up
 * @param top          the ramp's final offered rate
 */
public record Saturation(double peak, double fellBehindAt, double top) {
    /** The share of the offered rate a server must serve to count as keeping up. */
    static final double KEEPING_UP = 0.9;
    private static final long WINDOW_MS = 2000;

    /** The verdict, or null when the injection (started at {@code injectionStart}) held no full window. */
    public static Saturation of(List<Sample> samples, long injectionStart, Load load) {
        long end = injectionStart + load.duration().toMillis();
        double peak = -1;
        double fellBehind = Double.NaN;
        for (int i = 0; i < samples.size(); i++) {
            Sample a = samples.get(i);
            if (a.atMillis() < injectionStart) {
                continue;
            }
            Sample b = first(samples, i, a.atMillis() + WINDOW_MS);
            if (b == null || b.atMillis() > end) {
                break;
            }
            double served = (b.served() - a.served()) * 1000.0 / (b.atMillis() - a.atMillis());
            double offered = load.offeredAt(Duration.ofMillis((a.atMillis() + b.atMillis()) / 2 - injectionStart));
            peak = Math.max(peak, served);
            // a lone slow window (a pause on a busy machine) is not saturation: only falling behind for good is;
            // small offered rates are mostly sampling noise
            if (served >= KEEPING_UP * offered || offered < 20) {
                fellBehind = Double.NaN;
            } else if (Double.isNaN(fellBehind)) {
                fellBehind = offered;
            }
        }
        return peak < 0 ? null : new Saturation(peak, fellBehind, load.rate());
    }

    private static Sample first(List<Sample> samples, int from, long atLeast) {
        for (int j = from + 1; j < samples.size(); j++) {
            if (samples.get(j).atMillis() >= atLeast - 100) {
                return samples.get(j);
            }
        }
        return null;
    }

    /** Whether the server stopped keeping up before the ramp's top. */
    public boolean saturated() {
        return !Double.isNaN(fellBehindAt);
    }

    /** One line for the summary. */
    public String describe() {
        return saturated()
                ? String.format(Locale.ROOT, "saturated: served at most %,.0f req/s; fell behind from about %,.0f req/s offered",
                        peak, fellBehindAt)
                : String.format(Locale.ROOT, "kept up all the way to %,.0f req/s (served at most %,.0f req/s over 2 s): "
                        + "not saturated, ramp higher", top, peak);
    }
}
