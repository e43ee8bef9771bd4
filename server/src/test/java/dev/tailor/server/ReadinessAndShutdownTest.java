package dev.tailor.server;

import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server is live at once, ready only after every model it started with serves, and unready
 * again on shutdown. The warm-up is held at a gate, so "live but not ready" is observed however
 * fast the machine is.
 */
class ReadinessAndShutdownTest {
    @Test
    void readinessIsFalseUntilModelsAreWarmAndAfterShutdownStarts() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        TestObserver observer = new TestObserver();
        observer.warmUps.close();
        TailorServer server = ServerMain.start(Fixtures.config(Fixtures.models(), Map.of()), observer);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
        try {
            observer.warmUps.awaitHeld(1); // the first model is loaded and waits to warm up
            assertEquals(200, status(http, server, "/v2/health/live"));
            assertEquals(503, status(http, server, "/v2/health/ready"));
            assertEquals(503, status(http, server, "/observe/health/ready"));
            assertFalse(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .serverReady(ServerReadyRequest.getDefaultInstance()).getReady());

            observer.warmUps.open();
            assertTrue(server.awaitLoaded(Duration.ofMinutes(2)));
            assertEquals(200, status(http, server, "/v2/health/ready"));
            assertEquals(200, status(http, server, "/observe/health/ready"));
            assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        } finally {
            observer.warmUps.open();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
        assertFalse(server.repository().isReady());
        assertTrue(server.repository().models().isEmpty(), "sessions closed");
    }

    @Test
    void aModelThatFailsToLoadAtStartKeepsTheServerUnreadyUntilItsFileIsFixed(@TempDir Path models) throws Exception {
        ModelFiles.renameOver(models.resolve("good.onnx"), ModelFiles.cnn1());
        ModelFiles.renameOver(models.resolve("broken.onnx"), ModelFiles.randomBytes(2_000));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        TailorServer server = ServerMain.start(Fixtures.config(models, Map.of("tailor.repository.poll-interval-ms", "200")),
                new TestObserver());
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
        try {
            assertFalse(server.awaitLoaded(Duration.ofMinutes(2)), "ready although a model it started with failed");
            assertEquals(503, status(http, server, "/v2/health/ready"));
            assertEquals(200, status(http, server, "/v2/models/good/ready"), "readiness is per model");
            assertEquals(503, status(http, server, "/v2/models/broken/ready"));
            assertFalse(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                    .modelReady(ModelReadyRequest.newBuilder().setName("broken").build()).getReady());

            ModelFiles.renameOver(models.resolve("broken.onnx"), ModelFiles.ann());
            Eventually.await(Duration.ofMinutes(2), "the fixed model never made the server ready",
                    () -> status(http, server, "/v2/health/ready") == 200);
            assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                    .modelReady(ModelReadyRequest.newBuilder().setName("broken").build()).getReady());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }

    private static int status(HttpClient http, TailorServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
