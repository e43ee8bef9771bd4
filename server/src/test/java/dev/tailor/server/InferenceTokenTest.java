package dev.tailor.server;

import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerLiveRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerReadyRequest;
import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.api.v1.ListModelsRequest;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code tailor.inference-api-token} set, inference, classify, model metadata and the model
 * list need {@code Authorization: Bearer <token>} over REST and gRPC; health, readiness and server
 * metadata stay open, and the token is not the repository API's.
 */
class InferenceTokenTest {
    private static final String TOKEN = "s3cret-inference";
    private static final String MODEL = "cnn1";
    private static TestServer running;
    private static String body;

    @BeforeAll
    static void start() throws Exception {
        running = TestServer.start(Map.of("tailor.inference-api-token", TOKEN,
                "tailor.repository.api-token", "another-secret"));
        body = InferCalls.restBody(Fixtures.tensor(Fixtures.testImages(), 0), 1).toString();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void restInferenceNeedsTheTokenAndSaysSo() throws Exception {
        HttpResponse<String> none = infer(null);
        assertEquals(401, none.statusCode(), none.body());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), none.headers().map().toString());
        assertTrue(none.body().contains("tailor.inference-api-token"), none.body());
        assertEquals(401, infer("Bearer wrong").statusCode());
        assertEquals(401, infer("Basic " + TOKEN).statusCode());
        assertFalse(infer("Bearer wrong").body().contains(TOKEN), "the secret is never shown");
        HttpResponse<String> good = infer("Bearer " + TOKEN);
        assertEquals(200, good.statusCode(), good.body());
        assertEquals(401, get("/v2/models/" + MODEL, null).statusCode(), "model metadata is guarded");
        assertEquals(200, get("/v2/models/" + MODEL, "Bearer " + TOKEN).statusCode());
        assertEquals(401, get("/v1/models", null).statusCode(), "the model list is guarded");
        assertEquals(200, get("/v1/models", "bearer " + TOKEN).statusCode(), "the scheme is case-insensitive");
    }

    @Test
    void healthAndServerMetadataStayOpen() throws Exception {
        for (String path : List.of("/v2/health/live", "/v2/health/ready", "/v2/models/" + MODEL + "/ready",
                "/v2/models/" + MODEL + "/versions/1/ready", "/observe/health", "/v2")) {
            assertEquals(200, get(path, null).statusCode(), path);
        }
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(1, TimeUnit.MINUTES);
        assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName(MODEL).build()).getReady());
    }

    @Test
    void theInferenceTokenDoesNotOpenTheRepositoryApi() throws Exception {
        HttpResponse<String> response = running.http().send(HttpRequest.newBuilder(running.uri("/v2/repository/index"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode(), response.body());
    }

    @Test
    void grpcInferenceNeedsTheTokenInItsMetadata() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(running.channel());
        StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(request()));
        assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
        assertTrue(none.getStatus().getDescription().contains("tailor.inference-api-token"), none.getStatus().toString());
        StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class, () ->
                stub.withInterceptors(bearer("wrong")).withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(request()));
        assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
        StatusRuntimeException list = assertThrows(StatusRuntimeException.class, () ->
                ClassificationServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(1, TimeUnit.MINUTES)
                        .listModels(ListModelsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, list.getStatus().getCode());

        ModelInferResponse answered = stub.withInterceptors(bearer(TOKEN)).withDeadlineAfter(1, TimeUnit.MINUTES)
                .modelInfer(request());
        assertEquals(MODEL, answered.getModelName());
        assertEquals(40, answered.getRawOutputContents(0).size(), "ten FP32 probabilities");
    }

    private static ClientInterceptor bearer(String token) {
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(metadata);
    }

    private static ModelInferRequest request() {
        return InferCalls.grpcRequest(MODEL, Fixtures.tensor(Fixtures.testImages(), 0), 1);
    }

    private static HttpResponse<String> infer(String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(running.uri("/v2/models/" + MODEL + "/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return running.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(running.uri(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return running.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
