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

/**
 * The server is live at once, ready only after every model is warm, and unready again on shutdown.
 * The warm-up is held at a gate, so "live but not ready" is observed however fast the machine is.
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

    private static int status(HttpClient http, TailorServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
