package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Triton's layout {@code name/<version>/model.onnx}: under the {@code all} policy two versions
 * serve side by side, each addressable by the OIP version paths and gRPC {@code model_version};
 * under the default {@code latest} policy only the newest serves, a newer version dropped in
 * takes over from it, and a newer version that is rejected leaves the serving one in place.
 */
class VersionsTest {
    @TempDir
    Path models;

    @Test
    void twoVersionsServeSideBySideAndTheLatestPolicyServesTheNewest() throws Exception {
        byte[] a = ModelFiles.cnn1();
        byte[] b = ModelFiles.ann();
        ModelFiles.renameOver(models.resolve("multi/1/model.onnx"), a);
        ModelFiles.renameOver(models.resolve("multi/2/model.onnx"), b);
        ModelFiles.renameOver(models.resolve("solo/1/model.onnx"), a);
        ModelFiles.renameOver(models.resolve("solo/2/model.onnx"), b);
        float[] pixels = Fixtures.tensor(Fixtures.testImages(), 5);
        float[] answerA = Answers.of(a, pixels, 1);
        float[] answerB = Answers.of(b, pixels, 1);
        try (TestServer server = TestServer.start(models, Map.of("tailor.repository.poll-interval-ms", "200",
                "tailor.models.multi.version-policy", "all"), new TestObserver())) {
            InferCalls calls = new InferCalls(server);
            var grpc = GRPCInferenceServiceGrpc.newBlockingStub(server.channel()).withDeadlineAfter(1, TimeUnit.MINUTES);

            // all: both versions, each addressable; no version = the newest
            assertArrayEquals(answerA, calls.rest("multi", "1", pixels, 1), Answers.TOLERANCE);
            assertArrayEquals(answerB, calls.rest("multi", "2", pixels, 1), Answers.TOLERANCE);
            assertArrayEquals(answerB, calls.rest("multi", "", pixels, 1), Answers.TOLERANCE);
            assertArrayEquals(answerA, calls.grpc("multi", "1", pixels, 1), Answers.TOLERANCE);
            assertArrayEquals(answerB, calls.grpc("multi", "2", pixels, 1), Answers.TOLERANCE);
            assertEquals(200, server.status("/v2/models/multi/versions/1/ready"));
            assertTrue(grpc.modelReady(ModelReadyRequest.newBuilder().setName("multi").setVersion("1").build()).getReady());
            JsonNode v1 = server.metadata("multi/versions/1");
            assertEquals("[\"1\",\"2\"]", v1.get("versions").toString());
            assertEquals("1", v1.get("parameters").get("version").asText());
            assertEquals(ModelFiles.sha256(a), v1.get("parameters").get("sha256").asText());
            ModelMetadataResponse v2 = grpc.modelMetadata(ModelMetadataRequest.newBuilder().setName("multi").build());
            assertEquals(List.of("1", "2"), v2.getVersionsList());
            assertEquals(ModelFiles.sha256(b), v2.getParametersOrThrow("sha256").getStringParam());
            assertEquals("multi/2/model.onnx", v2.getParametersOrThrow("file").getStringParam());
            assertTrue(server.metricsText().contains("version=\"1\"") && server.metricsText().contains("version=\"2\""),
                    "the meters carry the version");

            // latest: only the newest serves, an older one is not addressable
            assertArrayEquals(answerB, calls.rest("solo", "", pixels, 1), Answers.TOLERANCE);
            assertEquals(404, assertThrows(InferCalls.Failed.class, () -> calls.rest("solo", "1", pixels, 1)).status);
            assertNull(server.entry("solo/1/model.onnx"), "a version the policy does not serve is listed");

            // a newer version takes over; the one it replaces drains and unloads
            ModelFiles.renameOver(models.resolve("solo/3/model.onnx"), a);
            server.awaitEntry("solo/3/model.onnx", e -> e.get("ready").asBoolean(), "version 3 never served");
            assertArrayEquals(answerA, calls.rest("solo", "", pixels, 1), Answers.TOLERANCE);
            assertArrayEquals(answerA, calls.rest("solo", "3", pixels, 1), Answers.TOLERANCE);
            server.awaitEntry("solo/2/model.onnx", null, "version 2 was never retired");
            assertEquals(404, assertThrows(InferCalls.Failed.class, () -> calls.rest("solo", "2", pixels, 1)).status);
            assertEquals(List.of("3"), server.server().repository().versions("solo"));

            // a newer version that is rejected leaves the one serving in place
            ModelFiles.renameOver(models.resolve("solo/4/model.onnx"), ModelFiles.randomBytes(3_000));
            JsonNode rejected = server.awaitEntry("solo/4/model.onnx", e -> e.get("state").asText().equals("failed"),
                    "the bad version 4 was never rejected");
            assertTrue(rejected.get("reason").asText().contains("not a valid ONNX model"), rejected.toString());
            assertTrue(server.entry("solo/3/model.onnx").get("ready").asBoolean(), "version 3 stopped serving");
            assertArrayEquals(answerA, calls.rest("solo", "", pixels, 1), Answers.TOLERANCE);
            assertEquals(503, assertThrows(InferCalls.Failed.class, () -> calls.rest("solo", "4", pixels, 1)).status);
        }
    }
}
