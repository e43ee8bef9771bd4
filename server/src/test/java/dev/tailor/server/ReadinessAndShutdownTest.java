package dev.tailor.server;

import dev.tailor.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.tailor.server.grpc.oip.GrpcPredictV2.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server is live at once, ready only after every model is warm, and unready again on shutdown. */
class ReadinessAndShutdownTest {
    @Test
    void readinessIsFalseUntilModelsAreWarmAndAfterShutdownStarts() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // a long warm-up (several seconds on two cores) keeps the window before ready wide enough to observe
        TailorServer server = ServerMain.start(Fixtures.config(Fixtures.models(), Map.of(
                "tailor.warmup-iterations", "150", "tailor.batching.max-batch-size", "128")));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
        try {
            assertEquals(200, status(http, server, "/v2/health/live"));
            assertEquals(503, status(http, server, "/v2/health/ready"));
            assertEquals(503, status(http, server, "/observe/health/ready"));
            assertFalse(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .serverReady(ServerReadyRequest.getDefaultInstance()).getReady());

            assertTrue(server.awaitLoaded(Duration.ofMinutes(2)));
            assertEquals(200, status(http, server, "/v2/health/ready"));
            assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
        assertFalse(server.repository().isReady());
        assertTrue(server.repository().models().isEmpty(), "sessions closed");
    }

    private static int status(HttpClient http, TailorServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
