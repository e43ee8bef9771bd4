package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.tailor.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.tailor.server.grpc.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.trainer.data.ImageSet;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A full queue is refused at once (HTTP 503 with Retry-After, gRPC RESOURCE_EXHAUSTED), a request
 * whose timeout passes while it waits gets 504 and is never computed, and the server keeps
 * serving, with the expired requests' places freed when they expire. The batcher holds a lone
 * request for 1.5 s and queues at most two images, so the timing leaves wide margins.
 */
class OverloadAndTimeoutTest {
    private static final String MODEL = "cnn1";
    private static TestServer running;
    private static HttpClient http;
    private static ManagedChannel channel;
    private static ImageSet images;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        running = TestServer.start(Map.of(
                "tailor.batching.max-queue-delay-us", "1500000",
                "tailor.batching.max-batch-size", "32",
                "tailor.batching.queue-capacity", "2"));
        http = running.http();
        channel = running.channel();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void fullQueueIsRefusedAtOnceAndTimedOutRequestsAreNotComputed() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).serverLive(
                dev.tailor.server.grpc.oip.GrpcPredictV2.ServerLiveRequest.getDefaultInstance()); // connect before timing
        double inferredBefore = metric("tailor_inferences_total");
        // two requests with a 1 s timeout fill the two-image queue; their batch would start at 1.5 s
        CompletableFuture<HttpResponse<String>> a = http.sendAsync(infer(0, 1_000_000), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> b = http.sendAsync(infer(1, 1_000_000), HttpResponse.BodyHandlers.ofString());
        awaitQueueDepth(2);

        long t0 = System.nanoTime();
        HttpResponse<String> refused = http.send(infer(2, 0), HttpResponse.BodyHandlers.ofString());
        assertTrue((System.nanoTime() - t0) / 1e6 < 500, "a full queue must be refused at once, not after the batch");
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("queue is full"), refused.body());
        assertNotNull(refused.headers().firstValue("Retry-After").orElse(null), "503 without Retry-After");

        StatusRuntimeException grpc = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(rawInfer(3)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, grpc.getStatus().getCode());

        for (CompletableFuture<HttpResponse<String>> timedOut : new CompletableFuture[]{a, b}) {
            HttpResponse<String> r = timedOut.get(10, TimeUnit.SECONDS);
            assertEquals(504, r.statusCode(), r.body());
        }
        // their places are free again once they expired, the server still answers, and they were never run
        HttpResponse<String> ok = http.send(infer(4, 0), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1, metric("tailor_inferences_total") - inferredBefore, "only the last request was computed");
    }

    @Test
    void grpcDeadlineThatPassesInTheQueueIsDeadlineExceededAndNotComputed() throws Exception {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).serverLive(
                dev.tailor.server.grpc.oip.GrpcPredictV2.ServerLiveRequest.getDefaultInstance());
        double inferredBefore = metric("tailor_inferences_total");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(400, TimeUnit.MILLISECONDS).modelInfer(rawInfer(5)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        Thread.sleep(1_700); // past the moment its batch would have started
        assertEquals(0, metric("tailor_inferences_total") - inferredBefore, "an expired request was computed");
        assertEquals(0, metric("tailor_queue_depth"), "the expired request still holds a place");
    }

    private static void awaitQueueDepth(int images) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (metric("tailor_queue_depth") < images) {
            assertTrue(System.nanoTime() < until, "requests never reached the queue");
            Thread.sleep(10);
        }
    }

    /** A REST infer of test image {@code i}; {@code timeoutMicros} 0 = the server default. */
    private static HttpRequest infer(int i, long timeoutMicros) {
        StringBuilder data = new StringBuilder();
        for (float v : Fixtures.tensor(images, i)) {
            data.append(data.isEmpty() ? "" : ",").append(v);
        }
        String params = timeoutMicros > 0 ? "\"parameters\":{\"timeout\":" + timeoutMicros + "}," : "";
        String body = "{" + params + "\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":["
                + data + "]}]}";
        return HttpRequest.newBuilder(running.uri("/v2/models/" + MODEL + "/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static ModelInferRequest rawInfer(int i) {
        float[] px = Fixtures.tensor(images, i);
        ByteBuffer raw = ByteBuffer.allocate(px.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(px);
        return ModelInferRequest.newBuilder().setModelName(MODEL)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addShape(1).addShape(1).addShape(28).addShape(28))
                .addRawInputContents(ByteString.copyFrom(raw.array())).build();
    }

    private static double metric(String name) throws Exception {
        return running.metric(name, MODEL);
    }
}
