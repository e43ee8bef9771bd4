package dev.tailor.server;

import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
 * A failure that is not the request's fault (here: the batch worker's listener throws) is a 500 /
 * INTERNAL naming only a reference into the log: no class name, no message of the exception, no
 * stack trace reaches the client, and the model serves the next request.
 */
class InternalErrorTest {
    private static final String MODEL = "cnn1";
    private static final String SECRET_DETAIL = "listener broke in java.lang.Object at dev.tailor.Secret";
    private static final TestObserver OBSERVER = new TestObserver();
    private static TestServer running;
    private static String body;

    @BeforeAll
    static void start() throws Exception {
        running = TestServer.start(Map.of(), OBSERVER);
        body = InferCalls.restBody(Fixtures.tensor(Fixtures.testImages(), 0), 1).toString();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void restAnswers500WithALogReferenceOnlyAndServesTheNextRequest() throws Exception {
        OBSERVER.failNextBatch.set(new IllegalStateException(SECRET_DETAIL));
        HttpResponse<String> failed = infer();
        assertEquals(500, failed.statusCode(), failed.body());
        assertTrue(failed.body().contains("(reference ") && failed.body().contains("the server log has the details"),
                failed.body());
        assertLeaksNothing(failed.body());
        assertEquals(200, infer().statusCode(), "the worker carries on");
    }

    @Test
    void grpcAnswersInternalWithALogReferenceOnlyAndServesTheNextCall() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(running.channel());
        OBSERVER.failNextBatch.set(new IllegalStateException(SECRET_DETAIL));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                stub.withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(rawInfer()));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("reference"), e.getStatus().toString());
        assertLeaksNothing(e.getStatus().getDescription());
        assertEquals(MODEL, stub.withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(rawInfer()).getModelName());
    }

    private static void assertLeaksNothing(String answer) {
        for (String leak : List.of("IllegalStateException", "java.", "listener broke", "dev.tailor", "\tat ")) {
            assertFalse(answer.contains(leak), "'" + leak + "' reached the client: " + answer);
        }
    }

    private static HttpResponse<String> infer() throws Exception {
        return running.http().send(HttpRequest.newBuilder(running.uri("/v2/models/" + MODEL + "/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ModelInferRequest rawInfer() {
        return InferCalls.grpcRequest(MODEL, Fixtures.tensor(Fixtures.testImages(), 0), 1);
    }
}
