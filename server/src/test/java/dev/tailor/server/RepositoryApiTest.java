package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryIndexRequest;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryIndexResponse;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryModelLoadRequest;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryModelUnloadRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Triton's model-repository API over HTTP and gRPC: off without a configured token (403 saying
 * how to enable it), 401 without or with a wrong token, and with the token it indexes, unloads
 * (the model stops serving and the watcher leaves it unloaded) and loads again.
 */
class RepositoryApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-token";

    @TempDir
    Path models;

    @Test
    void withoutAConfiguredTokenTheApiIsForbiddenAndSaysHowToEnableIt() throws Exception {
        try (TestServer server = TestServer.start(Map.of())) {
            for (String path : new String[]{"/v2/repository/index", "/v2/repository/models/cnn1/unload"}) {
                HttpResponse<String> response = post(server, path, TOKEN, "");
                assertEquals(403, response.statusCode(), response.body());
                assertTrue(response.body().contains("tailor.repository.api-token"), response.body());
            }
            assertTrue(server.server().repository().isReady(), "nothing was unloaded");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub(server, TOKEN).repositoryIndex(RepositoryIndexRequest.getDefaultInstance()));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(get(server, "/v2").contains("model_repository"), "the extension is advertised");
        }
    }

    @Test
    void aMissingOrWrongTokenIs401AndTheRightOneIndexesUnloadsAndLoads() throws Exception {
        byte[] a = ModelFiles.cnn1();
        ModelFiles.renameOver(models.resolve("shop.onnx"), a);
        ModelFiles.renameOver(models.resolve("other.onnx"), ModelFiles.ann());
        float[] pixels = Fixtures.tensor(Fixtures.testImages(), 1);
        float[] answer = Answers.of(a, pixels, 1);
        TestObserver observer = new TestObserver();
        try (TestServer server = TestServer.start(models, Map.of("tailor.repository.api-token", TOKEN,
                "tailor.repository.poll-interval-ms", "200"), observer)) {
            InferCalls calls = new InferCalls(server);
            HttpResponse<String> missing = post(server, "/v2/repository/models/shop/unload", null, "");
            assertEquals(401, missing.statusCode(), missing.body());
            assertTrue(missing.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, post(server, "/v2/repository/models/shop/unload", "wrong", "").statusCode());
            assertEquals(401, post(server, "/v2/repository/index", TOKEN + "x", "").statusCode());
            for (String token : new String[]{null, "wrong"}) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> stub(server, token).repositoryIndex(RepositoryIndexRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            }
            assertArrayEquals(answer, calls.rest("shop", "", pixels, 1), Answers.TOLERANCE, "refused calls unloaded it");

            JsonNode index = JSON.readTree(post(server, "/v2/repository/index", TOKEN, "{\"ready\": true}").body());
            assertEquals("[{\"name\":\"other\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"},"
                    + "{\"name\":\"shop\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}]", index.toString());

            // unload: 200 with an empty body; the model no longer serves, and stays unloaded
            HttpResponse<String> unloaded = post(server, "/v2/repository/models/shop/unload", TOKEN, "");
            assertEquals(200, unloaded.statusCode(), unloaded.body());
            assertEquals("", unloaded.body());
            InferCalls.Failed refused = assertThrows(InferCalls.Failed.class, () -> calls.rest("shop", "", pixels, 1));
            assertEquals(503, refused.status, refused.getMessage());
            observer.awaitFreshPass();
            JsonNode shop = server.awaitEntry("shop.onnx", e -> e.get("state").asText().equals("unloaded"),
                    "shop never showed as unloaded");
            assertTrue(shop.get("reason").asText().contains("repository API"), shop.toString());
            JsonNode all = JSON.readTree(post(server, "/v2/repository/index", TOKEN, "").body());
            assertEquals("UNAVAILABLE", all.get(1).get("state").asText(), all.toString());
            assertEquals(200, server.status("/v2/health/ready"), "a model unloaded on purpose keeps the server ready");

            // load: 200 once it serves again
            assertEquals(200, post(server, "/v2/repository/models/shop/load", TOKEN, "{}").statusCode());
            assertArrayEquals(answer, calls.rest("shop", "", pixels, 1), Answers.TOLERANCE);

            // the same over gRPC
            var stub = stub(server, TOKEN);
            stub.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("shop").build());
            assertFalse(stub.modelReady(ModelReadyRequest.newBuilder().setName("shop").build()).getReady());
            stub.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("shop").build());
            assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("shop").build()).getReady());
            RepositoryIndexResponse grpcIndex = stub.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build());
            assertEquals(2, grpcIndex.getModelsCount());
            assertEquals("READY", grpcIndex.getModels(1).getState());
        }
    }

    @Test
    void badNamesUnknownModelsRejectedFilesAndParametersAreClearErrors() throws Exception {
        ModelFiles.renameOver(models.resolve("shop.onnx"), ModelFiles.cnn1());
        try (TestServer server = TestServer.start(models, Map.of("tailor.repository.api-token", TOKEN,
                "tailor.repository.poll-interval-ms", "200"), new TestObserver())) {
            HttpResponse<String> bad = post(server, "/v2/repository/models/bad..name/load", TOKEN, "");
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(bad.body().contains("invalid model name"), bad.body());
            assertEquals(400, post(server, "/v2/repository/models/.hidden/unload", TOKEN, "").statusCode());
            StatusRuntimeException traversal = assertThrows(StatusRuntimeException.class, () -> stub(server, TOKEN)
                    .repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("../etc/passwd").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, traversal.getStatus().getCode());

            HttpResponse<String> unknown = post(server, "/v2/repository/models/nosuch/load", TOKEN, "");
            assertEquals(404, unknown.statusCode(), unknown.body());
            assertTrue(unknown.body().contains("nosuch.onnx or nosuch/<version>/model.onnx"), unknown.body());
            assertEquals(404, post(server, "/v2/repository/models/nosuch/unload", TOKEN, "").statusCode());

            HttpResponse<String> parameters = post(server, "/v2/repository/models/shop/load", TOKEN,
                    "{\"parameters\": {\"config\": \"{}\"}}");
            assertEquals(400, parameters.statusCode(), parameters.body());
            assertTrue(parameters.body().contains("not supported"), parameters.body());
            assertEquals(400, post(server, "/v2/repository/index", TOKEN, "{\"ready\": ").statusCode());

            ModelFiles.renameOver(models.resolve("broken.onnx"), ModelFiles.randomBytes(1_000));
            HttpResponse<String> broken = post(server, "/v2/repository/models/broken/load", TOKEN, "");
            assertEquals(400, broken.statusCode(), broken.body());
            assertTrue(broken.body().contains("failed to load 'broken': broken.onnx: not a valid ONNX model"),
                    broken.body());
        }
    }

    private static HttpResponse<String> post(TestServer server, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (!body.isEmpty()) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return server.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String get(TestServer server, String path) throws Exception {
        return server.http().send(HttpRequest.newBuilder(server.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(TestServer server, String token) {
        Metadata headers = new Metadata();
        if (token != null) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        return GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(2, TimeUnit.MINUTES);
    }
}
