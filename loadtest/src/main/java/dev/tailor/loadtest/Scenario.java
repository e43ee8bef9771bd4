package dev.tailor.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The request kinds a load run can send: each is one Gatling scenario with its own request name in
 * the report. Several may run side by side in one run; they then share the offered load evenly.
 */
public enum Scenario {
    /** {@code POST /v1/models/{model}/classify} with one Fashion-MNIST test image encoded as PNG. */
    CLASSIFY("classify", "classify PNG"),
    /** {@code POST /v2/models/{model}/infer} with the image as a JSON FP32 tensor. */
    JSON("json", "OIP REST JSON infer"),
    /** {@code POST /v2/models/{model}/infer} in Triton's binary tensor format: JSON header, then raw little-endian floats. */
    BINARY("binary", "OIP REST binary infer"),
    /** {@code inference.GRPCInferenceService/ModelInfer} with {@code raw_input_contents}. */
    GRPC("grpc", "OIP gRPC infer");

    private final String option;
    private final String requestName;

    Scenario(String option, String requestName) {
        this.option = option;
        this.requestName = requestName;
    }

    /** The name on the command line. */
    public String option() {
        return option;
    }

    /** The request's name in Gatling's report and assertions. */
    public String requestName() {
        return requestName;
    }

    /** Parses {@code classify,grpc} or {@code all}; order and duplicates do not matter. */
    public static List<Scenario> parseList(String text) {
        List<Scenario> chosen = new ArrayList<>();
        for (String part : text.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.equals("all")) {
                return List.of(values());
            }
            Scenario found = null;
            for (Scenario s : values()) {
                if (s.option.equals(name)) {
                    found = s;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("unknown scenario '" + part.trim() + "' (choose from " + choices() + ")");
            }
            if (!chosen.contains(found)) {
                chosen.add(found);
            }
        }
        chosen.sort(null);
        return List.copyOf(chosen);
    }

    /** Writes the list back in the form {@link #parseList} reads. */
    public static String formatList(List<Scenario> scenarios) {
        return String.join(",", scenarios.stream().map(Scenario::option).toList());
    }

    static String choices() {
        List<String> names = new ArrayList<>();
        for (Scenario s : values()) {
            names.add(s.option);
        }
        names.add("all");
        return String.join(", ", names);
    }
}
