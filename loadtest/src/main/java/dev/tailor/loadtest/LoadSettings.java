package dev.tailor.loadtest;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of a load run, read from {@code -Dkey=value} properties (what Gatling's Maven plugin
 * passes to simulations): target server, concurrency, duration and the p99 latency budget the
 * run asserts. Invalid values fail before any request is sent.
 */
public record LoadSettings(URI baseUrl, String model, int users, Duration duration, Duration p99Budget) {

    public LoadSettings {
        if (users < 1) {
            throw new IllegalArgumentException("users must be >= 1, got " + users);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
        if (baseUrl.getScheme() == null || !baseUrl.getScheme().startsWith("http")) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL, got " + baseUrl);
        }
    }

    /** Reads {@code tailor.url}, {@code tailor.model}, {@code tailor.users}, {@code tailor.seconds}, {@code tailor.p99ms}. */
    public static LoadSettings from(Map<String, String> props) {
        return new LoadSettings(
                URI.create(props.getOrDefault("tailor.url", "http://localhost:8080")),
                props.getOrDefault("tailor.model", "cnn4b"),
                Integer.parseInt(props.getOrDefault("tailor.users", "16")),
                Duration.ofSeconds(Long.parseLong(props.getOrDefault("tailor.seconds", "30"))),
                Duration.ofMillis(Long.parseLong(props.getOrDefault("tailor.p99ms", "50"))));
    }
}
