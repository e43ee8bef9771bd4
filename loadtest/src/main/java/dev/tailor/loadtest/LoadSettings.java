package dev.tailor.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Everything a load run needs, and its form as {@code loadtest.*} system properties: the command
 * line builds it, writes it as properties, and the Gatling simulation reads it back (Gatling
 * instantiates simulations itself, so properties are how parameters reach them; a simulation
 * started by other means, e.g. {@code -Dloadtest.scenarios=grpc}, reads the same keys).
 *
 * @param data   folder holding Fashion-MNIST's {@code t10k-images-idx3-ubyte(.gz)}
 * @param images how many of its test images the feeders cycle through
 */
public record LoadSettings(Target target, List<Scenario> scenarios, Load load, Thresholds thresholds, Path data, int images) {
    /** The prefix of every property key. */
    public static final String PREFIX = "loadtest.";

    public LoadSettings {
        scenarios = scenarios.stream().distinct().sorted().toList(); // the order of the report's rows, whatever was typed
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("choose at least one --scenario");
        }
        if (images < 1 || images > 10_000) {
            throw new IllegalArgumentException("--images must be between 1 and 10000 (the test set's size), got " + images);
        }
    }

    /** The settings as {@code loadtest.*} properties, for {@link #fromProperties}. */
    public Map<String, String> toProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(PREFIX + "target", target.baseUrl());
        p.put(PREFIX + "grpc-port", String.valueOf(target.grpcPort()));
        p.put(PREFIX + "model", target.model());
        p.put(PREFIX + "input", target.input());
        p.put(PREFIX + "output", target.output());
        p.put(PREFIX + "scenarios", Scenario.formatList(scenarios));
        p.put(PREFIX + "profile", load.profile().option());
        p.put(PREFIX + "rate", String.valueOf(load.rate()));
        p.put(PREFIX + "users", String.valueOf(load.users()));
        p.put(PREFIX + "duration", Durations.format(load.duration()));
        p.put(PREFIX + "burst-period", Durations.format(load.burstPeriod()));
        if (thresholds.p95Ms() != null) {
            p.put(PREFIX + "p95-ms", String.valueOf(thresholds.p95Ms()));
        }
        if (thresholds.p99Ms() != null) {
            p.put(PREFIX + "p99-ms", String.valueOf(thresholds.p99Ms()));
        }
        p.put(PREFIX + "max-error-pct", String.valueOf(thresholds.maxErrorPct()));
        p.put(PREFIX + "data", data.toString());
        p.put(PREFIX + "images", String.valueOf(images));
        return p;
    }

    /** Reads {@code loadtest.*} properties; absent keys take the command line's defaults. */
    public static LoadSettings fromProperties(Properties props) {
        URI http = URI.create(props.getProperty(PREFIX + "target", Defaults.TARGET));
        String grpcPort = props.getProperty(PREFIX + "grpc-port");
        Target target = Target.of(http, grpcPort == null ? null : Integer.valueOf(grpcPort),
                        props.getProperty(PREFIX + "model", Defaults.MODEL))
                .withTensors(props.getProperty(PREFIX + "input", "input"), props.getProperty(PREFIX + "output", "probabilities"));
        Load load = new Load(Profile.parse(props.getProperty(PREFIX + "profile", Defaults.PROFILE)),
                Double.parseDouble(props.getProperty(PREFIX + "rate", Defaults.RATE)),
                Integer.parseInt(props.getProperty(PREFIX + "users", Defaults.USERS)),
                Durations.parse(props.getProperty(PREFIX + "duration", Defaults.DURATION)),
                Durations.parse(props.getProperty(PREFIX + "burst-period", Defaults.BURST_PERIOD)));
        String p95 = props.getProperty(PREFIX + "p95-ms");
        String p99 = props.getProperty(PREFIX + "p99-ms");
        Thresholds thresholds = new Thresholds(p95 == null ? null : Integer.valueOf(p95), p99 == null ? null : Integer.valueOf(p99),
                Double.parseDouble(props.getProperty(PREFIX + "max-error-pct", Defaults.MAX_ERROR_PCT)));
        return new LoadSettings(target, Scenario.parseList(props.getProperty(PREFIX + "scenarios", Defaults.SCENARIO)),
                load, thresholds, Path.of(props.getProperty(PREFIX + "data", Defaults.data())),
                Integer.parseInt(props.getProperty(PREFIX + "images", Defaults.IMAGES)));
    }

    /** The defaults, shared by the command line's help and {@link #fromProperties}. */
    public static final class Defaults {
        public static final String TARGET = "http://127.0.0.1:8080";
        public static final String MODEL = "cnn4b";
        public static final String SCENARIO = "classify";
        public static final String PROFILE = "open";
        public static final String RATE = "100";
        public static final String USERS = "16";
        public static final String DURATION = "30s";
        public static final String BURST_PERIOD = "100ms";
        public static final String MAX_ERROR_PCT = "1";
        public static final String IMAGES = "1000";

        private Defaults() {
        }

        /** {@code $TAILOR_DATA}, else where Debian's {@code dataset-fashion-mnist} package puts the files. */
        public static String data() {
            String env = System.getenv("TAILOR_DATA");
            return env != null && !env.isBlank() ? env : "/usr/share/datasets/fashion-mnist";
        }
    }
}
