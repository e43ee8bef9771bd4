package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.server.ServerMain;
import dev.tailor.server.TailorServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Tailor server in the test JVM, on a random local port, serving the model the project
 * ships ({@code models/cnn4b.onnx}) with ONNX Runtime on CPU: what the smoke runs load. Found via
 * the {@code tailor.models} property the build sets.
 */
final class SmokeServer implements AutoCloseable {
    private final TailorServer server;

    private SmokeServer(TailorServer server) {
        this.server = server;
    }

    /** Starts the server and waits until its models are loaded and warm. */
    static SmokeServer start() throws InterruptedException {
        Path models = Path.of(System.getProperty("tailor.models", "../models"));
        assertTrue(Files.isRegularFile(models.resolve("cnn4b.onnx")), "the shipped model is missing from " + models.toAbsolutePath());
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(Map.of(
                        "server.port", "0",
                        "server.host", "127.0.0.1",
                        "tailor.models-dir", models.toString(),
                        "tailor.device", "cpu",
                        "tailor.warmup-iterations", "1",
                        // admission by expected wait judges the machine's speed: off, so a slow CI machine
                        // cannot turn smoke traffic into refusals
                        "tailor.batching.max-queue-wait-ms", "0",
                        "tailor.repository.watch", "false",
                        "tailor.repository.settle-ms", "0")))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
        TailorServer server = ServerMain.start(config);
        assertTrue(server.awaitLoaded(Duration.ofMinutes(2)), "the server should load cnn4b");
        return new SmokeServer(server);
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** The protocol extensions the server advertises ({@code GET /v2}). */
    List<String> extensions() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/v2")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> extensions = new ArrayList<>();
        new ObjectMapper().readTree(response.body()).path("extensions").forEach(e -> extensions.add(e.asText()));
        return extensions;
    }

    @Override
    public void close() {
        server.close();
    }
}
