package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerLiveRequest;
import dev.tailor.trainer.data.ImageSet;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A full queue is refused at once (HTTP 503 with Retry-After, gRPC RESOURCE_EXHAUSTED), a request
 * whose timeout passes while it waits gets 504 and is never computed, its place is freed when it
 * expires, and the server keeps serving. A batch held at the observer's gate keeps the one worker
 * busy, so requests stay queued exactly as long as the test needs, whatever the machine's speed.
 */
class OverloadAndTimeoutTest {
    private static final String MODEL = "cnn1";
    private static final TestObserver OBSERVER = new TestObserver();
    private static TestServer running;
    private static HttpClient http;
    private static ManagedChannel channel;
    private static ImageSet images;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        running = TestServer.start(Map.of(
                "tailor.request-timeout-ms", "300000", // only the timeouts a test sets ever pass
                "tailor.batching.max-queue-delay-us", "0",
                "tailor.batching.max-batch-size", "1",
                "tailor.batching.queue-capacity", "2"), OBSERVER);
        http = running.http();
        channel = running.channel();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        OBSERVER.batches.open();
        if (running != null) {
            running.close();
        }
    }

    @AfterEach
    void openGate() {
        OBSERVER.batches.open();
    }

    @Test
    void fullQueueIsRefusedAtOnceAndTimedOutRequestsAreNotComputed() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        double inferredBefore = metric("tailor_inferences_total");
        CompletableFuture<HttpResponse<String>> held = holdOneBatch(0);

        // a request whose timeout passes in the queue: 504, and its place is free again at once
        HttpResponse<String> expired = http.send(infer(1, 200_000), HttpResponse.BodyHandlers.ofString());
        assertEquals(504, expired.statusCode(), expired.body());
        assertEquals(0, metric("tailor_queue_depth"), "the expired request still holds a place");

        // two requests fill the two-image queue and stay there while the batch is held
        CompletableFuture<HttpResponse<String>> a = http.sendAsync(infer(2, 0), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> b = http.sendAsync(infer(3, 0), HttpResponse.BodyHandlers.ofString());
        running.awaitMetric("tailor_queue_depth", MODEL, 2);
        HttpResponse<String> refused = http.send(infer(4, 0), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("queue is full"), refused.body());
        assertNotNull(refused.headers().firstValue("Retry-After").orElse(null), "503 without Retry-After");
        StatusRuntimeException grpc = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(rawInfer(5)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, grpc.getStatus().getCode());
        assertFalse(a.isDone() || b.isDone(), "the refusals came while the queue was still full, not after it drained");

        OBSERVER.batches.open();
        for (CompletableFuture<HttpResponse<String>> served : List.of(held, a, b)) {
            HttpResponse<String> r = served.get(2, TimeUnit.MINUTES);
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(3, metric("tailor_inferences_total") - inferredBefore, "the expired request was computed");
    }

    @Test
    void grpcDeadlineThatPassesInTheQueueIsDeadlineExceededAndNotComputed() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        stub.withDeadlineAfter(1, TimeUnit.MINUTES).serverLive(ServerLiveRequest.getDefaultInstance()); // connected first
        double inferredBefore = metric("tailor_inferences_total");
        CompletableFuture<HttpResponse<String>> held = holdOneBatch(6);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(400, TimeUnit.MILLISECONDS).modelInfer(rawInfer(7)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        running.awaitMetric("tailor_queue_depth", MODEL, 0); // the server frees the place when its own copy of the deadline passes

        OBSERVER.batches.open();
        assertEquals(200, held.get(2, TimeUnit.MINUTES).statusCode());
        HttpResponse<String> after = http.send(infer(8, 0), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, after.statusCode(), after.body());
        assertEquals(2, metric("tailor_inferences_total") - inferredBefore, "the expired request was computed");
    }

    /** Closes the batch gate and sends image {@code i}; returns once its batch is held at the gate. */
    private static CompletableFuture<HttpResponse<String>> holdOneBatch(int i) throws InterruptedException {
        OBSERVER.batches.close();
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(infer(i, 0), HttpResponse.BodyHandlers.ofString());
        OBSERVER.batches.awaitHeld(1);
        return held;
    }

    /** A REST infer of test image {@code i}; {@code timeoutMicros} 0 = the server default. */
    private static HttpRequest infer(int i, long timeoutMicros) {
        ObjectNode json = InferCalls.restBody(Fixtures.tensor(images, i), 1);
        if (timeoutMicros > 0) {
            json.putObject("parameters").put("timeout", timeoutMicros);
        }
        String body = json.toString();
        return HttpRequest.newBuilder(running.uri("/v2/models/" + MODEL + "/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static ModelInferRequest rawInfer(int i) {
        return InferCalls.grpcRequest(MODEL, Fixtures.tensor(images, i), 1);
    }

    private static double metric(String name) throws Exception {
        return running.metric(name, MODEL);
    }
}
