package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.InferParameter;
import dev.tailor.api.oip.GrpcPredictV2.InferTensorContents;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerLiveRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerMetadataRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerMetadataResponse;
import dev.tailor.api.oip.GrpcPredictV2.ServerReadyRequest;
import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.api.v1.ClassifyRequest;
import dev.tailor.api.v1.ClassifyResponse;
import dev.tailor.api.v1.ListModelsRequest;
import dev.tailor.api.v1.ListModelsResponse;
import dev.tailor.trainer.data.ImageSet;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * The real server on a random port, serving real models the exporter wrote, called over HTTP
 * and gRPC with real Fashion-MNIST test images.
 */
class ServerEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "cnn1";
    private static final TestObserver OBSERVER = new TestObserver();
    private static TestServer running;
    private static TailorServer server;
    private static HttpClient http;
    private static ManagedChannel channel;
    private static ImageSet images;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        running = TestServer.start(Map.of(
                "server.max-payload-size", "1000000",
                "tailor.batching.max-queue-delay-us", "20000",
                "tailor.batching.max-batch-size", "32",
                "tailor.batching.queue-capacity", "256"), OBSERVER);
        server = running.server();
        http = running.http();
        channel = running.channel();
    }

    @AfterEach
    void openGate() {
        OBSERVER.batches.open();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        OBSERVER.batches.open();
        if (running != null) {
            running.close();
        }
    }

    // ---- Open Inference Protocol, REST ----

    @Test
    void healthAndServerMetadataFollowTheProtocol() throws Exception {
        assertEquals(200, get("/v2/health/live").statusCode());
        assertEquals(200, get("/v2/health/ready").statusCode());
        JsonNode meta = json(get("/v2"));
        assertEquals("tailor", meta.get("name").asText());
        assertEquals("[\"classification\",\"binary_tensor_data\",\"model_repository\"]", meta.get("extensions").toString());
        assertEquals(200, get("/observe/health/ready").statusCode());
    }

    @Test
    void modelMetadataDescribesTensorsLabelsAndProvider() throws Exception {
        JsonNode meta = json(get("/v2/models/" + MODEL));
        assertEquals(MODEL, meta.get("name").asText());
        assertEquals("1", meta.get("versions").get(0).asText());
        assertEquals("input", meta.get("inputs").get(0).get("name").asText());
        assertEquals("FP32", meta.get("inputs").get(0).get("datatype").asText());
        assertEquals("[-1,1,28,28]", meta.get("inputs").get(0).get("shape").toString());
        assertEquals(List.of("probabilities", "logits"),
                List.of(meta.get("outputs").get(0).get("name").asText(), meta.get("outputs").get(1).get("name").asText()));
        assertEquals("CPUExecutionProvider", meta.get("parameters").get("provider").asText());
        assertEquals("Ankle boot", meta.get("parameters").get("labels").get(9).asText());
        JsonNode parameters = meta.get("parameters");
        assertEquals("ready", parameters.get("state").asText());
        assertEquals("cnn1.onnx", parameters.get("file").asText());
        assertEquals(ModelFiles.sha256(ModelFiles.cnn1()), parameters.get("sha256").asText());
        assertTrue(Instant.parse(parameters.get("loaded_at").asText()).isBefore(Instant.now()));
        assertEquals(200, get("/v2/models/" + MODEL + "/versions/1").statusCode());
        assertEquals(200, get("/v2/models/" + MODEL + "/ready").statusCode());
        assertEquals(200, get("/v2/models/" + MODEL + "/versions/1/ready").statusCode());
        assertEquals(404, get("/v2/models/" + MODEL + "/versions/7").statusCode());
    }

    @Test
    void restInferWithFlatAndNestedDataGivesTheSameProbabilities() throws Exception {
        float[] pixels = Fixtures.tensor(images, 0);
        JsonNode flat = json(postJson("/v2/models/" + MODEL + "/infer", inferBody(pixels, 1, false, null)));
        JsonNode nested = json(postJson("/v2/models/" + MODEL + "/versions/1/infer", inferBody(pixels, 1, true, null)));
        assertEquals(MODEL, flat.get("model_name").asText());
        assertEquals("req-1", flat.get("id").asText());
        JsonNode probs = output(flat, "probabilities");
        assertEquals("[1,10]", probs.get("shape").toString());
        assertEquals(10, probs.get("data").size());
        double sum = 0;
        for (JsonNode v : probs.get("data")) {
            sum += v.asDouble();
        }
        assertEquals(1.0, sum, 1e-4);
        assertEquals(probs.get("data"), output(nested, "probabilities").get("data"));
        assertEquals(10, output(flat, "logits").get("data").size());
    }

    @Test
    void classificationExtensionReturnsTopKStrings() throws Exception {
        float[] pixels = concat(Fixtures.tensor(images, 0), Fixtures.tensor(images, 1));
        ObjectNode body = inferBody(pixels, 2, false, null);
        ArrayNode outputs = body.putArray("outputs");
        outputs.addObject().put("name", "probabilities").putObject("parameters").put("classification", 3);
        JsonNode response = json(postJson("/v2/models/" + MODEL + "/infer", body));
        JsonNode out = output(response, "probabilities");
        assertEquals("BYTES", out.get("datatype").asText());
        assertEquals("[2,3]", out.get("shape").toString());
        float[] probabilities = restProbabilities(Fixtures.tensor(images, 0));
        int best = argmax(probabilities, 0);
        String first = out.get("data").get(0).asText();
        String[] parts = first.split(":", 3);
        assertEquals(best, Integer.parseInt(parts[1]));
        assertEquals(probabilities[best], Float.parseFloat(parts[0]), 1e-5);
        assertEquals(labelOf(best), parts[2]);
        assertEquals(1, response.get("outputs").size(), "only the requested output is returned");
    }

    // ---- Open Inference Protocol, gRPC: every RPC ----

    @Test
    void grpcHealthAndMetadataRpcs() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName(MODEL).build()).getReady());
        ServerMetadataResponse server = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("tailor", server.getName());
        assertTrue(server.getExtensionsList().contains("classification"));
        ModelMetadataResponse model = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(MODEL).build());
        assertEquals(List.of(-1L, 1L, 28L, 28L), model.getInputs(0).getShapeList());
        assertEquals("FP32", model.getInputs(0).getDatatype());
        assertEquals("onnxruntime_onnx", model.getPlatform());
        assertEquals(2, model.getOutputsCount());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    }

    @Test
    void grpcInferWithRawAndTypedContentsMatchesRest() throws Exception {
        float[] pixels = concat(Fixtures.tensor(images, 2), Fixtures.tensor(images, 3));
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        ModelInferResponse raw = stub.modelInfer(rawRequest(MODEL, pixels, 2).build());
        assertEquals(2, raw.getRawOutputContentsCount());
        float[] rawProbs = floats(raw.getRawOutputContents(0));
        assertEquals("probabilities", raw.getOutputs(0).getName());
        assertEquals(List.of(2L, 10L), raw.getOutputs(0).getShapeList());

        ModelInferRequest.InferInputTensor.Builder typedInput = inputTensor(2);
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float v : pixels) {
            contents.addFp32Contents(v);
        }
        ModelInferResponse typed = stub.modelInfer(ModelInferRequest.newBuilder().setModelName(MODEL)
                .addInputs(typedInput.setContents(contents)).build());
        assertEquals(0, typed.getRawOutputContentsCount());
        float[] typedProbs = new float[20];
        for (int i = 0; i < 20; i++) {
            typedProbs[i] = typed.getOutputs(0).getContents().getFp32Contents(i);
        }
        assertArrayEquals(rawProbs, typedProbs);
        float[] rest = concat(restProbabilities(Fixtures.tensor(images, 2)), restProbabilities(Fixtures.tensor(images, 3)));
        assertArrayEquals(rest, rawProbs, 1e-6f);
    }

    @Test
    void grpcClassificationParameterReturnsRawBytesStrings() {
        float[] pixels = Fixtures.tensor(images, 4);
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        ModelInferResponse response = stub.modelInfer(rawRequest(MODEL, pixels, 1)
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probabilities")
                        .putParameters("classification", InferParameter.newBuilder().setInt64Param(2).build()))
                .build());
        assertEquals("BYTES", response.getOutputs(0).getDatatype());
        ByteBuffer b = response.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        List<String> strings = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] s = new byte[b.getInt()];
            b.get(s);
            strings.add(new String(s, StandardCharsets.UTF_8));
        }
        assertEquals(2, strings.size());
        assertTrue(strings.getFirst().matches("[0-9.]+:[0-9]:.+"), strings.getFirst());
    }

    // ---- classify API ----

    @Test
    void classifyPngAndJpegOfTestImagesAgreesWithTheTensorPath() throws Exception {
        int agreeingJpegs = 0;
        int n = 20;
        for (int i = 0; i < n; i++) {
            float[] tensorAnswer = restProbabilities(Fixtures.tensor(images, i));
            int best = argmax(tensorAnswer, 0);

            JsonNode png = json(post("/v1/models/" + MODEL + "/classify?top_k=10", "image/png", png(images, i)));
            JsonNode top = png.get("results").get(0).get("predictions");
            assertEquals(best, top.get(0).get("index").asInt(), "PNG of image " + i);
            assertEquals(tensorAnswer[best], top.get(0).get("probability").floatValue(), 1e-5f);
            assertFalse(png.get("results").get(0).get("converted").asBoolean(), "a Fashion-MNIST image passes through");
            assertEquals(10, top.size());

            byte[] jpeg = jpeg(images, i);
            JsonNode viaJpeg = json(post("/v1/models/" + MODEL + "/classify", "image/jpeg", jpeg));
            JsonNode jpegTop = viaJpeg.get("results").get(0).get("predictions");
            assertEquals(5, jpegTop.size(), "default top-K");
            // the JPEG path answers exactly what the tensor path answers for the decoded pixels ...
            float[] decoded = decodedPixels(jpeg);
            float[] decodedAnswer = restProbabilities(decoded);
            assertEquals(argmax(decodedAnswer, 0), jpegTop.get(0).get("index").asInt());
            assertEquals(decodedAnswer[argmax(decodedAnswer, 0)], jpegTop.get(0).get("probability").floatValue(), 1e-5f);
            // ... and lossy compression rarely changes the class
            if (jpegTop.get(0).get("index").asInt() == best) {
                agreeingJpegs++;
            }
        }
        assertTrue(agreeingJpegs >= n - 2, agreeingJpegs + " of " + n + " JPEGs agree with the original");
    }

    @Test
    void multipartRequestWithSeveralImagesAnswersEachInOrder() throws Exception {
        String boundary = "tailor-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] picks = {5, 6, 7};
        for (int i : picks) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + i
                    + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            body.write(png(images, i));
            body.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n2\r\n--" + boundary
                + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        JsonNode response = json(post("/v1/models/" + MODEL + "/classify", "multipart/form-data; boundary=" + boundary,
                body.toByteArray()));
        assertEquals(MODEL, response.get("model").asText());
        assertEquals("1", response.get("version").asText());
        assertEquals(3, response.get("results").size());
        for (int k = 0; k < picks.length; k++) {
            JsonNode predictions = response.get("results").get(k).get("predictions");
            assertEquals(2, predictions.size());
            assertEquals(argmax(restProbabilities(Fixtures.tensor(images, picks[k])), 0), predictions.get(0).get("index").asInt());
            assertEquals(labelOf(predictions.get(0).get("index").asInt()), predictions.get(0).get("label").asText());
        }
    }

    @Test
    void grpcClassifyAndListModelsMatchTheHttpApi() throws Exception {
        var stub = ClassificationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        ClassifyResponse response = stub.classify(ClassifyRequest.newBuilder().setModel(MODEL).setTopK(3)
                .addImages(ByteString.copyFrom(png(images, 8))).addImages(ByteString.copyFrom(jpeg(images, 9))).build());
        assertEquals(2, response.getResultsCount());
        assertEquals(3, response.getResults(0).getPredictionsCount());
        assertEquals(argmax(restProbabilities(Fixtures.tensor(images, 8)), 0), response.getResults(0).getPredictions(0).getIndex());
        ListModelsResponse models = stub.listModels(ListModelsRequest.getDefaultInstance());
        assertEquals(List.of("ann", "cnn1"), models.getModelsList().stream().map(m -> m.getName()).toList());
        assertEquals("CPUExecutionProvider", models.getModels(1).getProvider());
        assertEquals(10, models.getModels(1).getLabelsCount());
        assertEquals("ready", models.getModels(1).getState());
        assertEquals(ModelFiles.sha256(ModelFiles.cnn1()), models.getModels(1).getSha256());
        assertTrue(models.getModels(1).getIsDefault());
        assertEquals("", models.getModels(1).getLastError());
    }

    @Test
    void modelListShowsVersionStateFileHashProviderShapeAndLabels() throws Exception {
        JsonNode list = json(get("/v1/models"));
        assertEquals(2, list.get("models").size());
        JsonNode cnn = list.get("models").get(1);
        assertEquals(MODEL, cnn.get("name").asText());
        assertEquals("1", cnn.get("version").asText());
        assertEquals("CPUExecutionProvider", cnn.get("provider").asText());
        assertEquals("[-1,1,28,28]", cnn.get("input_shape").toString());
        assertEquals("T-shirt/top", cnn.get("labels").get(0).asText());
        assertEquals("ready", cnn.get("state").asText());
        assertTrue(cnn.get("ready").asBoolean() && cnn.get("default").asBoolean());
        assertEquals("cnn1.onnx", cnn.get("file").asText());
        assertEquals(ModelFiles.sha256(ModelFiles.cnn1()), cnn.get("sha256").asText());
        assertTrue(cnn.get("load_ms").asLong() >= 0 && cnn.has("loaded_at"));
        assertFalse(cnn.has("last_error"), cnn.toString());
    }

    @Test
    void openApiDocumentDescribesTheHttpApi() throws Exception {
        HttpResponse<byte[]> response = get("/openapi");
        assertEquals(200, response.statusCode());
        String text = new String(response.body(), StandardCharsets.UTF_8);
        assertTrue(text.contains("/v1/models/{name}/classify"), text);
        assertTrue(text.contains("/v2/models/{name}/infer"));
    }

    // ---- batching and metrics ----

    @Test
    void concurrentSingleImageRequestsAreBatchedAndEachGetsItsOwnAnswer() throws Exception {
        int n = 64;
        float[][] expected = new float[n][];
        for (int i = 0; i < n; i++) {
            expected[i] = restProbabilities(Fixtures.tensor(images, 100 + i));
        }
        double batchesBefore = metric("tailor_batch_size_count", MODEL);
        double imagesBefore = metric("tailor_batch_size_sum", MODEL);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<float[]>> answers = new ArrayList<>();
            // the first request's batch is held, so the other 63 are all queued when batching resumes
            OBSERVER.batches.close();
            for (int i = 0; i < n; i++) {
                int index = 100 + i;
                Callable<float[]> call = () -> restProbabilities(Fixtures.tensor(images, index));
                answers.add(pool.submit(call));
                if (i == 0) {
                    OBSERVER.batches.awaitHeld(1);
                }
            }
            running.awaitMetric("tailor_queue_depth", MODEL, n - 1);
            OBSERVER.batches.open();
            for (int i = 0; i < n; i++) {
                assertArrayEquals(expected[i], answers.get(i).get(2, TimeUnit.MINUTES), 1e-6f, "request " + i);
            }
        }
        double batches = metric("tailor_batch_size_count", MODEL) - batchesBefore;
        double imagesInferred = metric("tailor_batch_size_sum", MODEL) - imagesBefore;
        assertEquals(n, imagesInferred, 0.0);
        assertEquals(3, batches, "1 held, then 63 queued images in batches of at most 32");
        assertEquals(32, metric("tailor_batch_size_max", MODEL), 0.0);
    }

    @Test
    void metricsCountRequestsLatencyQueueAndComputeTime() throws Exception {
        double before = metric("tailor_requests_total", MODEL, "protocol=\"rest\"", "status=\"200\"");
        restProbabilities(Fixtures.tensor(images, 10));
        double after = metric("tailor_requests_total", MODEL, "protocol=\"rest\"", "status=\"200\"");
        assertEquals(before + 1, after, 0.0);
        String text = metricsText();
        for (String name : List.of("tailor_request_seconds_bucket", "tailor_queue_seconds_count", "tailor_compute_seconds_count",
                "tailor_batch_size_bucket", "tailor_queue_depth", "tailor_inferences_total", "tailor_model_info")) {
            assertTrue(text.contains(name), name + " missing from\n" + text);
        }
        assertTrue(text.matches("(?s).*tailor_model_info\\{[^}]*provider=\"CPUExecutionProvider\".*"));
        assertTrue(text.matches("(?s).*tailor_inferences_total\\{[^}]*model=\"cnn1\"[^}]*version=\"1\".*"),
                "the per-model meters carry the version");
        get("/v2/models/nope");
        assertTrue(metric("tailor_request_failures_total", "_unknown", "status=\"404\"") >= 1);
    }

    // ---- bad input: one test per kind, and the server keeps serving ----

    @Test
    void unknownModelIs404AndNotFound() throws Exception {
        HttpResponse<byte[]> response = postJson("/v2/models/nope/infer", inferBody(Fixtures.tensor(images, 0), 1, false, null));
        assertError(response, 404, "unknown model 'nope'");
        assertError(post("/v1/models/nope/classify", "image/png", png(images, 0)), 404, "unknown model");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
                .newBlockingStub(channel).modelInfer(rawRequest("nope", Fixtures.tensor(images, 0), 1).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        stillServing();
    }

    @Test
    void wrongShapeIs400AndInvalidArgument() throws Exception {
        ObjectNode body = inferBody(new float[784], 1, false, null);
        ((ArrayNode) body.get("inputs").get(0).get("shape")).removeAll().add(1).add(784);
        assertError(postJson("/v2/models/" + MODEL + "/infer", body), 400, "shape [1, 784]");
        ModelInferRequest.Builder request = rawRequest(MODEL, new float[784], 1);
        request.getInputsBuilder(0).clearShape().addAllShape(List.of(1L, 28L, 28L));
        assertGrpcInvalid(request.build(), "shape");
        stillServing();
    }

    @Test
    void wrongDatatypeIs400AndInvalidArgument() throws Exception {
        ObjectNode body = inferBody(new float[784], 1, false, null);
        ((ObjectNode) body.get("inputs").get(0)).put("datatype", "INT64");
        assertError(postJson("/v2/models/" + MODEL + "/infer", body), 400, "datatype INT64");
        ModelInferRequest.Builder request = rawRequest(MODEL, new float[784], 1);
        request.getInputsBuilder(0).setDatatype("FP64");
        assertGrpcInvalid(request.build(), "datatype");
        stillServing();
    }

    @Test
    void elementCountDifferentFromShapeIs400AndInvalidArgument() throws Exception {
        ObjectNode body = inferBody(new float[784 * 2 - 1], 2, false, null);
        assertError(postJson("/v2/models/" + MODEL + "/infer", body), 400, "carries 1567 values");
        ModelInferRequest.Builder raw = rawRequest(MODEL, new float[784], 2);
        assertGrpcInvalid(raw.build(), "carries 784 values");
        ModelInferRequest.Builder odd = rawRequest(MODEL, new float[784], 1).setRawInputContents(0,
                ByteString.copyFrom(new byte[784 * 4 - 1]));
        assertGrpcInvalid(odd.build(), "not a multiple of 4");
        stillServing();
    }

    @Test
    void nonImageBytesAre415() throws Exception {
        assertError(post("/v1/models/" + MODEL + "/classify", "image/png",
                "definitely not a picture".getBytes(StandardCharsets.UTF_8)), 415, "not an image");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClassificationServiceGrpc
                .newBlockingStub(channel).classify(ClassifyRequest.newBuilder().setModel(MODEL)
                        .addImages(ByteString.copyFromUtf8("nope")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        stillServing();
    }

    @Test
    void truncatedPngIs400() throws Exception {
        byte[] png = png(images, 0);
        assertError(post("/v1/models/" + MODEL + "/classify", "image/png", Arrays.copyOf(png, png.length / 2)), 400,
                "truncated or corrupt");
        stillServing();
    }

    @Test
    void oversizeBodyIs413() throws Exception {
        // the server answers from the declared length alone, before any of the body: send none, so the
        // answer cannot race a body the server will not read (and then a reset of the connection)
        try (RawHttp1 connection = new RawHttp1(server.port())) {
            RawHttp1.Response response = connection.send("POST", "/v1/models/" + MODEL + "/classify", null,
                    "Content-Type: image/png", "Content-Length: 1500000").read(java.time.Duration.ofSeconds(30));
            assertEquals(413, response.status(), response.text());
            assertTrue(response.closes(), "the unread body makes the connection unusable: the server says it closes it");
        }
        stillServing();
    }

    @Test
    void malformedJsonIs400() throws Exception {
        assertError(post("/v2/models/" + MODEL + "/infer", "application/json",
                "{\"inputs\": [{\"name\": \"input\", ".getBytes(StandardCharsets.UTF_8)), 400, "malformed JSON");
        assertError(post("/v2/models/" + MODEL + "/infer", "application/json",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [1,1,28,28], \"datatype\": \"FP32\", \"data\": [\"a\"]}]}"
                        .getBytes(StandardCharsets.UTF_8)), 400, "numbers only");
        stillServing();
    }

    @Test
    void unsupportedMediaTypeOnClassifyIs415() throws Exception {
        assertError(post("/v1/models/" + MODEL + "/classify", "text/plain", "hello".getBytes(StandardCharsets.UTF_8)),
                415, "send an image");
    }

    @Test
    void expiredGrpcDeadlineIsDeadlineExceeded() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MICROSECONDS);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub.modelInfer(rawRequest(MODEL, Fixtures.tensor(images, 0), 1).build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }

    // ---- helpers ----

    private void stillServing() throws Exception {
        assertEquals(10, restProbabilities(Fixtures.tensor(images, 0)).length);
    }

    private static void assertError(HttpResponse<byte[]> response, int status, String messagePart) throws IOException {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(status, response.statusCode(), body);
        String error = JSON.readTree(body).get("error").asText();
        assertTrue(error.contains(messagePart), "'" + error + "' should mention '" + messagePart + "'");
    }

    private static void assertGrpcInvalid(ModelInferRequest request, String messagePart) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .modelInfer(request));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(messagePart), e.getStatus().getDescription());
    }

    static float[] restProbabilities(float[] pixels) throws Exception {
        HttpResponse<byte[]> response = postJson("/v2/models/" + MODEL + "/infer", inferBody(pixels, 1, false, null));
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        JsonNode data = output(json(response), "probabilities").get("data");
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get(i).floatValue();
        }
        return out;
    }

    private static ObjectNode inferBody(float[] pixels, int n, boolean nested, String outputName) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "req-1");
        ObjectNode input = body.putArray("inputs").addObject();
        input.put("name", "input").put("datatype", "FP32");
        input.putArray("shape").add(n).add(1).add(28).add(28);
        ArrayNode data = input.putArray("data");
        if (nested) {
            int k = 0;
            for (int b = 0; b < n; b++) {
                ArrayNode channel = data.addArray().addArray();
                for (int y = 0; y < 28; y++) {
                    ArrayNode row = channel.addArray();
                    for (int x = 0; x < 28; x++) {
                        row.add(pixels[k++]);
                    }
                }
            }
        } else {
            for (float v : pixels) {
                data.add(v);
            }
        }
        if (outputName != null) {
            body.putArray("outputs").addObject().put("name", outputName);
        }
        return body;
    }

    private static ModelInferRequest.InferInputTensor.Builder inputTensor(int n) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                .addAllShape(List.of((long) n, 1L, 28L, 28L));
    }

    private static ModelInferRequest.Builder rawRequest(String model, float[] pixels, int n) {
        ByteBuffer bytes = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(pixels);
        return ModelInferRequest.newBuilder().setModelName(model).addInputs(inputTensor(n))
                .addRawInputContents(ByteString.copyFrom(bytes.array()));
    }

    private static float[] floats(ByteString raw) {
        float[] out = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + response);
    }

    static byte[] png(ImageSet set, int i) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(grayImage(set, i), "png", out);
        return out.toByteArray();
    }

    static byte[] jpeg(ImageSet set, int i) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            writer.write(null, new javax.imageio.IIOImage(grayImage(set, i), null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static BufferedImage grayImage(ImageSet set, int i) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < 784; p++) {
            image.getRaster().setSample(p % 28, p / 28, 0, set.pixels()[i * 784 + p] & 0xFF);
        }
        return image;
    }

    private static float[] decodedPixels(byte[] encoded) throws IOException {
        BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(encoded));
        float[] out = new float[784];
        for (int p = 0; p < 784; p++) {
            out[p] = image.getRaster().getSample(p % 28, p / 28, 0) * (1f / 255f);
        }
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int argmax(float[] values, int offset) {
        int best = offset;
        for (int i = offset; i < offset + 10; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best - offset;
    }

    private static String labelOf(int index) {
        return List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                "Ankle boot").get(index);
    }

    private static String metricsText() throws Exception {
        return running.metricsText();
    }

    private static double metric(String name, String model, String... labels) throws Exception {
        return running.metric(name, model, labels);
    }

    private static URI uri(String path) {
        return running.uri(path);
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> post(String path, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> postJson(String path, JsonNode body) throws Exception {
        return post(path, "application/json", JSON.writeValueAsBytes(body));
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        return JSON.readTree(response.body());
    }
}
