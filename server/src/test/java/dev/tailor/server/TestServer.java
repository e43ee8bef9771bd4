package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real server on a random port serving the fixture models (or a folder of the test's own), with
 * an HTTP client, a gRPC channel, a reader of its Prometheus metrics and of its model list; shared
 * by the end-to-end test classes.
 */
final class TestServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TailorServer server;
    private final HttpClient http;
    private final ManagedChannel channel;

    private TestServer(TailorServer server) {
        this.server = server;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        this.channel = ManagedChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
    }

    /** Starts a server with {@code settings} on top of the fixture configuration and waits until it is ready. */
    static TestServer start(Map<String, String> settings) throws InterruptedException {
        return start(settings, new TestObserver());
    }

    /** As {@link #start(Map)}, with {@code observer} hearing warm-ups and batches. */
    static TestServer start(Map<String, String> settings, TestObserver observer) throws InterruptedException {
        return start(Fixtures.models(), settings, observer);
    }

    /** A server on {@code modelsDir}, ready. */
    static TestServer start(Path modelsDir, Map<String, String> settings, TestObserver observer)
            throws InterruptedException {
        TailorServer server = ServerMain.start(Fixtures.config(modelsDir, settings), observer);
        assertTrue(server.awaitLoaded(Duration.ofMinutes(2)), "server should become ready");
        return new TestServer(server);
    }

    TailorServer server() {
        return server;
    }

    HttpClient http() {
        return http;
    }

    ManagedChannel channel() {
        return channel;
    }

    URI uri(String path) {
        return URI.create("http://localhost:" + server.port() + path);
    }

    /** The Prometheus text of {@code /observe/metrics}. */
    String metricsText() throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri("/observe/metrics"))
                .header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** Sum of the samples of a Prometheus metric whose labels include the model and every extra label. */
    double metric(String name, String model, String... labels) throws Exception {
        double sum = 0;
        Matcher m = Pattern.compile("^" + name + "\\{([^}]*)\\} ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(metricsText());
        while (m.find()) {
            String found = m.group(1);
            boolean matches = found.contains("model=\"" + model + "\"");
            for (String label : labels) {
                matches &= found.contains(label);
            }
            if (matches) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /** The entries of {@code GET /v1/models}. */
    JsonNode modelList() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("models");
    }

    /** The status code of a GET of {@code path}. */
    int status(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** The OIP metadata of {@code model} ({@code GET /v2/models/{model}}). */
    JsonNode metadata(String model) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v2/models/" + model)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** The model list's entry for {@code file} (its path in the models folder), or null. */
    JsonNode entry(String file) throws Exception {
        for (JsonNode entry : modelList()) {
            if (entry.get("file").asText().equals(file)) {
                return entry;
            }
        }
        return null;
    }

    /**
     * Polls the model list until the entry of {@code file} satisfies {@code condition} (null: until
     * the file has no entry), and returns it; the deadline is generous, no timing is asserted.
     */
    JsonNode awaitEntry(String file, Predicate<JsonNode> condition, String what) throws Exception {
        JsonNode[] entry = new JsonNode[1];
        Eventually.await(Duration.ofMinutes(2), () -> what + "; the entry of " + file + " is " + entry[0], () -> {
            entry[0] = entry(file);
            return condition == null ? entry[0] == null : entry[0] != null && condition.test(entry[0]);
        });
        return entry[0];
    }

    /** Polls {@link #metric} until it reads {@code value}; the deadline is generous, no timing is asserted. */
    void awaitMetric(String name, String model, double value) throws Exception {
        Eventually.await(Duration.ofMinutes(1), () -> name + "{model=" + model + "} never read " + value,
                () -> metric(name, model) == value);
    }

    /**
     * Polls the metrics until no meter is labelled {@code model}: a model leaves the repository's
     * listing a moment before its meters are forgotten (in that order, so that no request can bring
     * them back), and a test reading both must wait for the second. Generous deadline, no timing asserted.
     */
    void awaitMetersGone(String model) throws Exception {
        Eventually.await(Duration.ofMinutes(1), "the meters of the removed model " + model + " are still there",
                () -> !metricsText().contains("model=\"" + model + "\""));
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }
}
