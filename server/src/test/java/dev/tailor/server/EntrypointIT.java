package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's entrypoint and health-check scripts, run on this host against the packaged
 * {@code server.jar} and the shipped models (an integration test: it needs the jar, so it runs
 * after {@code package}). No Docker engine runs here; this is what can be checked of the image
 * without one.
 */
class EntrypointIT {
    private static final Path ENTRYPOINT = Path.of("..", "docker", "entrypoint.sh").toAbsolutePath();
    private static final Path HEALTHCHECK = Path.of("..", "docker", "healthcheck.sh").toAbsolutePath();
    private static final Duration HANG = Duration.ofMinutes(3); // a hang detector, not a speed goal

    @TempDir
    Path dir;

    @Test
    void entrypointStartsTheBuiltServerWithTheShippedModelsAndStopsItGracefully() throws Exception {
        int port = freePort();
        Path log = dir.resolve("server.log");
        Process server = script(ENTRYPOINT, Map.of(
                "TAILOR_HOME", Path.of("target").toAbsolutePath().toString(),
                "TAILOR_MODELS_dash_DIR", Path.of("..", "models").toAbsolutePath().toString(),
                "SERVER_PORT", Integer.toString(port),
                "TAILOR_DEVICE", "cpu"), log);
        try {
            HttpClient http = HttpClient.newHttpClient();
            long until = System.nanoTime() + HANG.toNanos();
            int ready = 0;
            while (ready != 200 && System.nanoTime() < until && server.isAlive()) {
                ready = status(http, port, "/v2/health/ready");
                if (ready != 200) {
                    Thread.sleep(200); // polling a state the server reaches by itself, with a hang deadline
                }
            }
            assertEquals(200, ready, "not ready; log:\n" + Files.readString(log));
            String models = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(models.contains("\"cnn4b\""), models);

            assertEquals(0, run(HEALTHCHECK, Map.of("SERVER_PORT", Integer.toString(port))), "health check on a ready server");
        } finally {
            server.destroy(); // SIGTERM, as a container runtime sends it
            assertTrue(server.waitFor(HANG.toSeconds(), TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        }
        String output = Files.readString(log);
        assertTrue(output.contains("Stopped"), "graceful shutdown logged:\n" + output);
    }

    @Test
    void healthCheckFailsWhenNothingAnswers() throws Exception {
        assertNotEquals(0, run(HEALTHCHECK, Map.of("SERVER_PORT", Integer.toString(freePort()))));
    }

    @Test
    void entrypointRefusesAMissingJarOrModelsFolderWithAClearMessage() throws Exception {
        Path log = dir.resolve("refused.log");
        Process noJar = script(ENTRYPOINT, Map.of("TAILOR_HOME", dir.resolve("nowhere").toString()), log);
        assertTrue(noJar.waitFor(HANG.toSeconds(), TimeUnit.SECONDS));
        assertEquals(64, noJar.exitValue());
        assertTrue(Files.readString(log).contains("no server.jar in"), Files.readString(log));

        Process noModels = script(ENTRYPOINT, Map.of("TAILOR_HOME", Path.of("target").toAbsolutePath().toString(),
                "TAILOR_MODELS_dash_DIR", dir.resolve("no-models").toString()), log);
        assertTrue(noModels.waitFor(HANG.toSeconds(), TimeUnit.SECONDS));
        assertEquals(66, noModels.exitValue());
        assertTrue(Files.readString(log).contains("does not exist; mount one"), Files.readString(log));
    }

    private static Process script(Path script, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of("bash", script.toString()));
        builder.environment().putAll(env);
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return builder.start();
    }

    private int run(Path script, Map<String, String> env) throws Exception {
        Process p = script(script, env, dir.resolve("check.log"));
        assertTrue(p.waitFor(HANG.toSeconds(), TimeUnit.SECONDS), script + " hung");
        return p.exitValue();
    }

    private static int status(HttpClient http, int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
