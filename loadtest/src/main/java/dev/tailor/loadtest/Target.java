package dev.tailor.loadtest;

import java.net.URI;
import java.util.Locale;

/**
 * Where a run sends its traffic, and nowhere else: one HTTP base URL and, on the same host, the
 * gRPC port (the target's own port unless the server listens for gRPC apart). {@code input} and
 * {@code output} are the model's tensor names, read from its metadata before the run.
 */
public record Target(URI http, int grpcPort, String model, String input, String output) {

    public Target {
        String scheme = http.getScheme() == null ? "" : http.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || http.getHost() == null) {
            throw new IllegalArgumentException("--target must look like http://host:port, got '" + http + "'");
        }
        if (http.getPath() != null && !http.getPath().isEmpty() && !http.getPath().equals("/")
                || http.getQuery() != null || http.getFragment() != null) {
            throw new IllegalArgumentException("--target is the server's root (http://host:port), without a path: got '" + http + "'");
        }
        if (grpcPort < 1 || grpcPort > 65535) {
            throw new IllegalArgumentException("--grpc-port must be between 1 and 65535, got " + grpcPort);
        }
        if (model.isBlank() || !model.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("--model must be a model name (letters, digits, . _ -), got '" + model + "'");
        }
        http = URI.create(scheme + "://" + http.getRawAuthority());
    }

    /** The target with {@code grpcPort} defaulting to the HTTP port (80/443 when the URL has none). */
    public static Target of(URI http, Integer grpcPort, String model) {
        return new Target(http, grpcPort != null ? grpcPort : port(http), model, "input", "probabilities");
    }

    /** The same target with the model's tensor names. */
    public Target withTensors(String input, String output) {
        return new Target(http, grpcPort, model, input, output);
    }

    /** The base URL without a trailing slash, e.g. {@code http://127.0.0.1:8080}. */
    public String baseUrl() {
        return http.toString();
    }

    /** The host both protocols are sent to. */
    public String host() {
        return http.getHost();
    }

    /** Whether the connection is TLS (then gRPC uses TLS too). */
    public boolean tls() {
        return http.getScheme().equalsIgnoreCase("https");
    }

    private static int port(URI uri) {
        if (uri.getPort() > 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
}
