package dev.tailor.server;

import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model's file is deleted while requests wait in its queue (a batch held at the observer's gate
 * keeps them there): the model takes no new request from that moment (404 at once, while its
 * queue is still held), finishes every queued one, then unloads and its meters go.
 */
class DeleteWhileQueuedTest {
    @TempDir
    Path models;

    @Test
    void deletingAModelWhileRequestsAreQueuedFinishesThemAndRefusesNewOnesAtOnce() throws Exception {
        byte[] a = ModelFiles.cnn1();
        Path shop = models.resolve("shop.onnx");
        ModelFiles.renameOver(shop, a);
        ModelFiles.renameOver(models.resolve("other.onnx"), ModelFiles.ann());
        float[] pixels = Fixtures.tensor(Fixtures.testImages(), 3);
        float[] answer = Answers.of(a, pixels, 1);
        TestObserver observer = new TestObserver();
        try (TestServer server = TestServer.start(models, Map.of(
                "tailor.repository.poll-interval-ms", "200",
                "tailor.request-timeout-ms", "300000",
                "tailor.batching.max-batch-size", "1",
                "tailor.batching.max-queue-delay-us", "0"), observer);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            InferCalls calls = new InferCalls(server);
            observer.batches.close();
            List<Future<float[]>> queued = new ArrayList<>();
            queued.add(clients.submit(() -> calls.rest("shop", "", pixels, 1)));
            observer.batches.awaitHeld(1); // the first request's batch runs (held); the next ones queue behind it
            for (int i = 0; i < 4; i++) {
                boolean rest = i % 2 == 0;
                queued.add(clients.submit(() -> rest ? calls.rest("shop", "", pixels, 1) : calls.grpc("shop", "", pixels, 1)));
            }
            server.awaitMetric("tailor_queue_depth", "shop", 4);

            Files.delete(shop);
            server.awaitEntry("shop.onnx", e -> e.get("state").asText().equals("draining"), "shop never drained");
            InferCalls.Failed rest = assertThrows(InferCalls.Failed.class, () -> calls.rest("shop", "", pixels, 1));
            assertEquals(404, rest.status);
            assertTrue(rest.getMessage().contains("was removed from the models folder"), rest.getMessage());
            InferCalls.Failed grpc = assertThrows(InferCalls.Failed.class, () -> calls.grpc("shop", "", pixels, 1));
            assertEquals(Status.Code.NOT_FOUND.value(), grpc.status, grpc.getMessage());
            StatusRuntimeException ready = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
                    .newBlockingStub(server.channel()).withDeadlineAfter(1, TimeUnit.MINUTES)
                    .modelReady(ModelReadyRequest.newBuilder().setName("shop").build()));
            assertEquals(Status.Code.NOT_FOUND, ready.getStatus().getCode());
            assertFalse(queued.stream().anyMatch(Future::isDone), "the queue was held: nothing may have finished yet");

            observer.batches.open();
            for (Future<float[]> request : queued) {
                assertArrayEquals(answer, request.get(2, TimeUnit.MINUTES), Answers.TOLERANCE,
                        "a request queued before the delete was not served by its model");
            }
            server.awaitEntry("shop.onnx", null, "shop never unloaded");
            server.awaitMetersGone("shop");
            assertEquals(200, server.status("/v2/health/ready"), "a model deleted on purpose does not make the server unready");
            assertTrue(server.server().repository().models().stream().noneMatch(m -> m.info().name().equals("shop")));
        }
    }
}
