package dev.tailor.server;

import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerLiveRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tailor.max-concurrent-requests} bounds the requests the server holds, REST and gRPC
 * together: past it, a request is refused at once (503 with Retry-After, RESOURCE_EXHAUSTED) while
 * the model's queue still has room, health stays open, and the server serves again as soon as the
 * held requests leave. A batch held at the observer's gate keeps two requests in flight for as long
 * as the test needs.
 */
class InFlightLimitTest {
    private static final String MODEL = "cnn1";
    private static final TestObserver OBSERVER = new TestObserver();
    private static TestServer running;
    private static String body;

    @BeforeAll
    static void start() throws Exception {
        running = TestServer.start(Map.of(
                "tailor.max-concurrent-requests", "2",
                "tailor.request-timeout-ms", "300000",
                "tailor.batching.max-queue-delay-us", "0",
                "tailor.batching.max-batch-size", "1",
                "tailor.batching.queue-capacity", "16"), OBSERVER);
        body = InferCalls.restBody(Fixtures.tensor(Fixtures.testImages(), 0), 1).toString();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        OBSERVER.batches.open();
        if (running != null) {
            running.close();
        }
    }

    @Test
    void requestsPastTheLimitAreRefusedAtOnceAndTheServerServesWhenTheHeldOnesLeave() throws Exception {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(running.channel());
        stub.withDeadlineAfter(1, TimeUnit.MINUTES).serverLive(ServerLiveRequest.getDefaultInstance()); // connected first

        OBSERVER.batches.close();
        CompletableFuture<HttpResponse<String>> held = running.http().sendAsync(infer(), HttpResponse.BodyHandlers.ofString());
        OBSERVER.batches.awaitHeld(1);
        CompletableFuture<HttpResponse<String>> queued = running.http().sendAsync(infer(), HttpResponse.BodyHandlers.ofString());
        running.awaitMetric("tailor_queue_depth", MODEL, 1);

        HttpResponse<String> refused = running.http().send(infer(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("tailor.max-concurrent-requests"), refused.body());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "503 without Retry-After");
        StatusRuntimeException grpc = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(rawInfer()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, grpc.getStatus().getCode(), grpc.getStatus().toString());
        assertTrue(grpc.getStatus().getDescription().contains("tailor.max-concurrent-requests"), grpc.getStatus().toString());
        HttpResponse<String> classify = running.http().send(HttpRequest.newBuilder(
                        running.uri("/v1/models/" + MODEL + "/classify")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ServerEndToEndTest.png(Fixtures.testImages(), 0))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, classify.statusCode(), classify.body());
        for (String path : List.of("/v2/health/live", "/v2/health/ready", "/observe/health")) {
            assertEquals(200, get(path).statusCode(), path + " must not count against the limit");
        }
        assertFalse(held.isDone() || queued.isDone(), "the refusals came while both requests were still held");

        OBSERVER.batches.open();
        for (CompletableFuture<HttpResponse<String>> served : List.of(held, queued)) {
            HttpResponse<String> r = served.get(2, TimeUnit.MINUTES);
            assertEquals(200, r.statusCode(), r.body());
        }
        HttpResponse<String> after = running.http().send(infer(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, after.statusCode(), "the permits came back: " + after.body());
        assertEquals(MODEL, stub.withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(rawInfer()).getModelName());
    }

    private static HttpRequest infer() {
        return HttpRequest.newBuilder(running.uri("/v2/models/" + MODEL + "/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return running.http().send(HttpRequest.newBuilder(running.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ModelInferRequest rawInfer() {
        return InferCalls.grpcRequest(MODEL, Fixtures.tensor(Fixtures.testImages(), 0), 1);
    }
}
