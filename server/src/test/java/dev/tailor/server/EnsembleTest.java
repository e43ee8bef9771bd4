package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.api.v1.ListModelsRequest;
import dev.tailor.trainer.data.ImageSet;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ensemble (tailor.ensemble.members): a name that answers with the mean of its members'
 * probabilities, on every API that runs a model, next to the members themselves.
 */
class EnsembleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int N = 6;
    private static TestServer server;
    private static InferCalls calls;
    private static ImageSet images;
    private static float[] pixels;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        // the comma-separated form, as an environment variable would give it
        server = TestServer.start(Map.of("tailor.ensemble.members", "cnn1, ann"));
        calls = new InferCalls(server);
        pixels = new float[N * 784];
        for (int i = 0; i < N; i++) {
            System.arraycopy(Fixtures.tensor(images, i), 0, pixels, i * 784, 784);
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void tensorInferenceAnswersTheMeanOfTheMembersOverRestAndGrpc() throws Exception {
        float[] cnn1 = calls.rest("cnn1", "", pixels, N);
        float[] ann = calls.rest("ann", "", pixels, N);
        float[] rest = calls.rest("ensemble", "", pixels, N);
        float[] grpc = calls.grpc("ensemble", "", pixels, N);
        assertEquals(N * 10, rest.length);
        boolean differsFromBoth = false;
        for (int i = 0; i < rest.length; i++) {
            assertEquals((cnn1[i] + ann[i]) / 2, rest[i], 1e-6f, "value " + i);
            assertEquals(rest[i], grpc[i], 1e-6f, "gRPC value " + i);
            differsFromBoth |= Math.abs(rest[i] - cnn1[i]) > 1e-4 && Math.abs(rest[i] - ann[i]) > 1e-4;
        }
        assertTrue(differsFromBoth, "the members agree everywhere: the test would not see an averaging mistake");

        HttpResponse<String> response = calls.restResponse("ensemble", "1", pixels, N);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("ensemble", body.get("model_name").asText());
        assertEquals("1", body.get("model_version").asText());
        assertEquals(404, calls.restResponse("ensemble", "2", pixels, N).statusCode());
    }

    @Test
    void classifyAveragesEachMembersProbabilities() throws Exception {
        byte[] png = ServerEndToEndTest.png(images, 3);
        Map<String, Double> cnn1 = classify("cnn1", png);
        Map<String, Double> ann = classify("ann", png);
        Map<String, Double> ensemble = classify("ensemble", png);
        assertEquals(10, ensemble.size());
        for (Map.Entry<String, Double> e : ensemble.entrySet()) {
            assertEquals((cnn1.get(e.getKey()) + ann.get(e.getKey())) / 2, e.getValue(), 1e-5, e.getKey());
        }
    }

    @Test
    void metadataReadinessAndTheModelListDescribeIt() throws Exception {
        JsonNode metadata = server.metadata("ensemble");
        assertEquals("ensemble", metadata.get("name").asText());
        assertEquals(1, metadata.get("outputs").size());
        assertEquals("probabilities", metadata.get("outputs").get(0).get("name").asText());
        assertEquals("cnn1:1,ann:1", metadata.get("parameters").get("ensemble_members").asText());
        assertEquals(200, server.status("/v2/models/ensemble/ready"));
        assertTrue(server.metric("tailor_requests_total", "ensemble") >= 1, "requests are counted under its name");

        JsonNode entry = StreamSupport.stream(server.modelList().spliterator(), false)
                .filter(m -> m.get("name").asText().equals("ensemble")).findFirst().orElseThrow();
        assertTrue(entry.get("ready").asBoolean(), entry.toString());
        assertEquals("[\"cnn1\",\"ann\"]", entry.get("members").toString());

        ModelMetadataResponse grpc = GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
                .modelMetadata(ModelMetadataRequest.newBuilder().setName("ensemble").build());
        assertEquals("probabilities", grpc.getOutputs(0).getName());
        assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
                .modelReady(ModelReadyRequest.newBuilder().setName("ensemble").build()).getReady());
        assertTrue(ClassificationServiceGrpc.newBlockingStub(server.channel()).listModels(
                ListModelsRequest.getDefaultInstance()).getModelsList().stream()
                .anyMatch(m -> m.getName().equals("ensemble") && m.getReady()));
    }

    @Test
    void explanationsAskForOneModel() throws Exception {
        HttpResponse<String> response = server.http().send(HttpRequest.newBuilder(
                        server.uri("/v1/models/ensemble/explain")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ServerEndToEndTest.png(images, 0))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().contains("ensemble of [cnn1, ann]"), response.body());
    }

    @Test
    void aMissingMemberMakesItUnavailableAndSaysWhich() throws Exception {
        try (TestServer partial = TestServer.start(Map.of("tailor.ensemble.members", "cnn1,nosuch",
                "tailor.ensemble.name", "both"))) {
            assertEquals(503, partial.status("/v2/models/both/ready"));
            InferCalls.Failed failed = assertThrows(InferCalls.Failed.class,
                    () -> new InferCalls(partial).rest("both", "", pixels, N));
            assertEquals(503, failed.status);
            assertTrue(failed.getMessage().contains("nosuch"), failed.getMessage());
            assertEquals(200, partial.status("/v2/health/ready"), "the server itself serves its models");
            JsonNode entry = StreamSupport.stream(partial.modelList().spliterator(), false)
                    .filter(m -> m.get("name").asText().equals("both")).findFirst().orElseThrow();
            assertFalse(entry.get("ready").asBoolean(), entry.toString());
        }
    }

    @Test
    void settingsRefuseAnEnsembleThatCannotWork() {
        for (String members : new String[]{"cnn1", "cnn1,cnn1", "ensemble,cnn1"}) {
            Map<String, String> values = new HashMap<>();
            values.put("tailor.ensemble.members", members);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServerSettings.from(Fixtures.config(Fixtures.models(), values)), members);
            assertTrue(e.getMessage().contains("tailor.ensemble") || e.getMessage().contains("its own members"),
                    e.getMessage());
        }
        assertTrue(ServerSettings.from(Fixtures.config(Fixtures.models(), Map.of())).ensemble().isEmpty());
    }

    private static Map<String, Double> classify(String model, byte[] png) throws Exception {
        HttpResponse<String> response = server.http().send(HttpRequest.newBuilder(
                        server.uri("/v1/models/" + model + "/classify?top_k=10")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(model, body.get("model").asText());
        Map<String, Double> byLabel = new HashMap<>();
        for (JsonNode p : body.get("results").get(0).get("predictions")) {
            byLabel.put(p.get("label").asText(), p.get("probability").asDouble());
        }
        return byLabel;
    }
}
