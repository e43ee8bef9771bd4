package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.api.v1.ExplainRequest;
import dev.tailor.api.v1.ExplainResponse;
import dev.tailor.trainer.data.ImageSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/models/{m}/explain} and gRPC {@code Explain} on a real server serving the shipped {@code cnn4b.onnx}, with
 * real Fashion-MNIST test images. The model's batches are kept small (8 images, a queue of 16) so
 * every explanation runs in several chunks through the batcher.
 */
class ExplainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "cnn4b";
    private static final int TROUSER = 1;
    private static final int SNEAKER = 7;
    private static final int BAG = 8;
    private static final int MAX_VARIANTS = 200;
    private static final TestObserver OBSERVER = new TestObserver();
    private static TestServer server;
    private static ImageSet images;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        server = TestServer.start(Fixtures.shippedModels(), Map.of(
                "tailor.batching.max-batch-size", "8",
                "tailor.batching.queue-capacity", "16",
                "tailor.explain.max-variants", Integer.toString(MAX_VARIANTS)), OBSERVER);
    }

    @AfterEach
    void openGate() {
        OBSERVER.batches.open();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        OBSERVER.batches.open();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void mapsOfTrousersBagsAndSneakersLieOnTheGarment() throws Exception {
        for (int label : new int[]{TROUSER, BAG, SNEAKER}) {
            for (int i : firstOf(label, 5)) {
                JsonNode answer = json(explain("", "image/png", ServerEndToEndTest.png(images, i)), 200);
                assertEquals(label, answer.get("target").get("index").asInt(), "image " + i + " explains its class");
                assertEquals(label, answer.get("predictions").get(0).get("index").asInt(), "image " + i + " is classified");
                float[] map = flat(answer.get("map"));
                double positive = 0;
                double negative = 0;
                double onObject = 0;
                for (int p = 0; p < 784; p++) {
                    if (map[p] > 0) {
                        positive += map[p];
                        if ((images.pixels()[i * 784 + p] & 0xFF) > 0) {
                            onObject += map[p];
                        }
                    } else {
                        negative -= map[p];
                    }
                }
                assertTrue(positive > negative, "image " + i + ": occluding the garment lowers its class more than"
                        + " it raises it (" + positive + " vs " + negative + ")");
                assertTrue(onObject / positive >= 0.7, "image " + i + " (class " + label + "): only "
                        + Math.round(100 * onObject / positive) + " % of the positive mass is on the garment");
            }
        }
    }

    @Test
    void anAllBackgroundImageGivesAFlatMapAndRunsNoVariant() throws Exception {
        JsonNode answer = json(explain("", "image/png", png(new byte[784])), 200);
        for (float v : flat(answer.get("map"))) {
            assertEquals(0f, v, "every patch leaves a blank image as it was");
        }
        assertEquals(169, answer.get("variants").asInt());
        assertEquals(0, answer.get("computed").asInt());
    }

    @Test
    void answerCarriesTopKTheSweepAndTheConvertedInput() throws Exception {
        int i = firstOf(TROUSER, 1).getFirst();
        JsonNode answer = json(explain("?top_k=3", "image/png", ServerEndToEndTest.png(images, i)), 200);
        assertEquals(MODEL, answer.get("model").asText());
        assertEquals(3, answer.get("predictions").size());
        assertEquals("Trouser", answer.get("target").get("label").asText());
        assertEquals(4, answer.get("patch").asInt());
        assertEquals(2, answer.get("stride").asInt());
        assertEquals(13 * 13, answer.get("variants").asInt());
        assertTrue(answer.get("computed").asInt() > 0 && answer.get("computed").asInt() <= 169);
        assertEquals(false, answer.get("converted").asBoolean());
        assertEquals(28, answer.get("input").size());
        assertEquals(28, answer.get("map").size());
        for (int p = 0; p < 784; p++) {
            assertEquals(images.pixels()[i * 784 + p] & 0xFF, answer.get("input").get(p / 28).get(p % 28).asInt());
        }
    }

    @Test
    void aRequestedClassIsExplainedInstead() throws Exception {
        int i = firstOf(SNEAKER, 1).getFirst();
        JsonNode byLabel = json(explain("?target=Sandal", "image/png", ServerEndToEndTest.png(images, i)), 200);
        assertEquals(5, byLabel.get("target").get("index").asInt());
        JsonNode byIndex = json(explain("?target=5", "image/png", ServerEndToEndTest.png(images, i)), 200);
        assertEquals("Sandal", byIndex.get("target").get("label").asText());
        assertEquals(SNEAKER, byIndex.get("predictions").get(0).get("index").asInt(), "top-K stays the model's answer");
    }

    @Test
    void aTensorIsExplainedLikeTheSameImage() throws Exception {
        int i = firstOf(BAG, 1).getFirst();
        float[] fromImage = flat(json(explain("", "image/png", ServerEndToEndTest.png(images, i)), 200).get("map"));
        JsonNode answer = json(explain("", "application/json", tensorRequest(Fixtures.tensor(images, i), 1)), 200);
        assertTrue(answer.get("converted") == null, "a tensor is not converted");
        float[] fromTensor = flat(answer.get("map"));
        for (int p = 0; p < 784; p++) {
            assertEquals(fromImage[p], fromTensor[p], Answers.TOLERANCE, "pixel " + p);
        }
    }

    @Test
    void multipartTakesOneImageAndFormFields() throws Exception {
        int i = firstOf(TROUSER, 1).getFirst();
        String boundary = "b0undary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"t.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        body.write(ServerEndToEndTest.png(images, i));
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"patch\"\r\n\r\n7\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"stride\"\r\n\r\n7\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        JsonNode answer = json(explain("", "multipart/form-data; boundary=" + boundary, body.toByteArray()), 200);
        assertEquals(7, answer.get("patch").asInt());
        assertEquals(16, answer.get("variants").asInt());
    }

    @Test
    void pngOverlayDecodesAtTheDocumentedSize() throws Exception {
        byte[] image = ServerEndToEndTest.png(images, firstOf(SNEAKER, 1).getFirst());
        HttpResponse<byte[]> byAccept = server.http().send(HttpRequest.newBuilder(server.uri("/v1/models/" + MODEL + "/explain"))
                .header("Content-Type", "image/png").header("Accept", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> byParameter = explain("?format=png", "image/png", image);
        for (HttpResponse<byte[]> response : List.of(byAccept, byParameter)) {
            assertEquals(200, response.statusCode());
            assertEquals("image/png", response.headers().firstValue("Content-Type").orElse(""));
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(response.body()));
            assertEquals(280, png.getWidth());
            assertEquals(280, png.getHeight());
            boolean red = false;
            for (int y = 0; y < 280 && !red; y++) {
                for (int x = 0; x < 280 && !red; x++) {
                    int rgb = png.getRGB(x, y);
                    red = ((rgb >> 16) & 0xFF) > ((rgb >> 8) & 0xFF) + 60;
                }
            }
            assertTrue(red, "the heat map shows on the overlay");
        }
    }

    @Test
    void anOversizedSweepIsRefusedAndNotCounted() throws Exception {
        double before = server.metric("tailor_explanations_total", MODEL);
        byte[] image = ServerEndToEndTest.png(images, firstOf(BAG, 1).getFirst());
        assertError(explain("?patch=1&stride=1", "image/png", image), 400, "784 occluded variants; at most "
                + MAX_VARIANTS);
        assertError(explain("?patch=2&stride=1", "image/png", image), 400, "729 occluded variants");
        assertEquals(before, server.metric("tailor_explanations_total", MODEL), "a refused explanation runs nothing");
        json(explain("?patch=2&stride=2", "image/png", image), 200); // 196 variants: within the cap
    }

    @Test
    void badRequestsAreRefusedWithTheReason() throws Exception {
        byte[] image = ServerEndToEndTest.png(images, 0);
        assertError(explain("?patch=0", "image/png", image), 400, "patch must be a positive integer");
        assertError(explain("?patch=29", "image/png", image), 400, "patch must be between 1 and 28");
        assertError(explain("?stride=29", "image/png", image), 400, "stride must be between 1 and 28");
        assertError(explain("?patch=abc", "image/png", image), 400, "patch must be a positive integer");
        assertError(explain("?target=Hat", "image/png", image), 400, "target must be a class index 0-9");
        assertError(explain("?target=10", "image/png", image), 400, "target must be");
        assertError(explain("?top_k=11", "image/png", image), 400, "top_k must be between 1 and 10");
        assertError(explain("?format=gif", "image/png", image), 400, "format must be json or png");
        assertError(explain("", "text/plain", "hello".getBytes(StandardCharsets.UTF_8)), 415, "send an image");
        assertError(explain("", "image/png", new byte[]{1, 2, 3}), 415, "not an image");
        assertError(explain("", "application/json", tensorRequest(new float[784 * 2], 2)), 400,
                "explain takes one image; the input's batch size is 2");
        assertError(explain("", "application/json", "{\"inputs\":[".getBytes(StandardCharsets.UTF_8)), 400,
                "malformed JSON");
        HttpResponse<byte[]> unknown = server.http().send(HttpRequest.newBuilder(server.uri("/v1/models/nope/explain"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertError(unknown, 404, "unknown model 'nope'");
    }

    @Test
    void variantsGoThroughTheBatcherInChunksAndAreCountedApart() throws Exception {
        OBSERVER.largestBatch.set(0);
        double explanations = server.metric("tailor_explanations_total", MODEL);
        double variants = server.metric("tailor_explanation_variants_total", MODEL);
        double inferences = server.metric("tailor_inferences_total", MODEL);
        JsonNode answer = json(explain("", "image/png", ServerEndToEndTest.png(images, firstOf(TROUSER, 1).getFirst())), 200);
        int computed = answer.get("computed").asInt();
        assertTrue(computed > 16, "more variants than the queue holds: " + computed);
        assertEquals(explanations + 1, server.metric("tailor_explanations_total", MODEL));
        assertEquals(variants + computed, server.metric("tailor_explanation_variants_total", MODEL));
        assertEquals(inferences + computed + 1, server.metric("tailor_inferences_total", MODEL),
                "the image and each variant ran through the batcher");
        assertTrue(OBSERVER.largestBatch.get() <= 8, "no chunk exceeds a batch: " + OBSERVER.largestBatch.get());
    }

    @Test
    void aFullQueueRefusesAnExplanationAsItRefusesAnyone() throws Exception {
        byte[] image = ServerEndToEndTest.png(images, firstOf(TROUSER, 1).getFirst());
        OBSERVER.batches.close();
        // one classification holds the worker at the gate; sixteen more images fill the queue
        CompletableFuture<HttpResponse<byte[]>> running = classifyAsync(1, image);
        OBSERVER.batches.awaitHeld(1);
        CompletableFuture<HttpResponse<byte[]>> queued = classifyAsync(16, image);
        server.awaitMetric("tailor_queue_depth", MODEL, 16);
        HttpResponse<byte[]> refused = explain("", "image/png", image);
        assertError(refused, 503, "queue is full");
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        OBSERVER.batches.open();
        assertEquals(200, running.get(2, TimeUnit.MINUTES).statusCode());
        assertEquals(200, queued.get(2, TimeUnit.MINUTES).statusCode());
        assertEquals("Trouser", json(explain("", "image/png", image), 200).get("target").get("label").asText());
    }

    @Test
    void grpcExplainAnswersAsRestDoes() throws Exception {
        int i = firstOf(SNEAKER, 1).getFirst();
        byte[] image = ServerEndToEndTest.png(images, i);
        float[] rest = flat(json(explain("", "image/png", image), 200).get("map"));
        ClassificationServiceGrpc.ClassificationServiceBlockingStub stub = ClassificationServiceGrpc
                .newBlockingStub(server.channel()).withDeadlineAfter(2, TimeUnit.MINUTES);
        ExplainResponse answer = stub.explain(ExplainRequest.newBuilder().setModel(MODEL)
                .setImage(ByteString.copyFrom(image)).setTopK(3).setPng(true).build());
        assertEquals("Sneaker", answer.getTarget().getLabel());
        assertEquals(3, answer.getPredictionsCount());
        assertEquals(169, answer.getVariants());
        assertEquals(784, answer.getMapCount());
        assertEquals(784, answer.getInput().size());
        for (int p = 0; p < 784; p++) {
            assertEquals(rest[p], answer.getMap(p), Answers.TOLERANCE, "pixel " + p);
        }
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(answer.getPng().toByteArray()));
        assertEquals(280, png.getWidth());
        assertEquals(280, png.getHeight());
        assertTrue(stub.explain(ExplainRequest.newBuilder().setModel(MODEL).setImage(ByteString.copyFrom(image))
                .build()).getPng().isEmpty(), "no PNG unless asked for");

        assertStatus(Status.Code.INVALID_ARGUMENT, "784 occluded variants", () -> stub.explain(ExplainRequest.newBuilder()
                .setModel(MODEL).setImage(ByteString.copyFrom(image)).setPatch(1).setStride(1).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "target must be", () -> stub.explain(ExplainRequest.newBuilder()
                .setModel(MODEL).setImage(ByteString.copyFrom(image)).setTarget("Hat").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "empty image", () -> stub.explain(ExplainRequest.newBuilder()
                .setModel(MODEL).build()));
        assertStatus(Status.Code.NOT_FOUND, "unknown model", () -> stub.explain(ExplainRequest.newBuilder()
                .setModel("nope").setImage(ByteString.copyFrom(image)).build()));
    }

    private static void assertStatus(Status.Code code, String reason, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(reason), e.getStatus().getDescription());
    }

    private static CompletableFuture<HttpResponse<byte[]>> classifyAsync(int copies, byte[] image) throws Exception {
        String boundary = "many";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int c = 0; c < copies; c++) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"\r\n"
                    + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            body.write(image);
            body.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return server.http().sendAsync(HttpRequest.newBuilder(server.uri("/v1/models/" + MODEL + "/classify"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> explain(String query, String contentType, byte[] body) throws Exception {
        return server.http().send(HttpRequest.newBuilder(server.uri("/v1/models/" + MODEL + "/explain" + query))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> response, int status) throws Exception {
        String text = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(status, response.statusCode(), text);
        return JSON.readTree(text);
    }

    private static void assertError(HttpResponse<byte[]> response, int status, String reason) throws Exception {
        String error = json(response, status).get("error").asText();
        assertTrue(error.contains(reason), "'" + error + "' should say '" + reason + "'");
    }

    /** The first {@code n} test images of class {@code label}. */
    private static List<Integer> firstOf(int label, int n) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < images.size() && found.size() < n; i++) {
            if (images.label(i) == label) {
                found.add(i);
            }
        }
        return found;
    }

    private static float[] flat(JsonNode rows) {
        float[] values = new float[784];
        for (int p = 0; p < 784; p++) {
            values[p] = (float) rows.get(p / 28).get(p % 28).asDouble();
        }
        return values;
    }

    private static byte[] png(byte[] gray) throws Exception {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < 784; p++) {
            image.getRaster().setSample(p % 28, p / 28, 0, gray[p] & 0xFF);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static byte[] tensorRequest(float[] data, int items) throws Exception {
        ObjectNode input = JSON.createObjectNode().put("name", "input").put("datatype", "FP32");
        input.putArray("shape").add(items).add(1).add(28).add(28);
        ArrayNode values = input.putArray("data");
        for (float v : data) {
            values.add(v);
        }
        ObjectNode request = JSON.createObjectNode();
        request.putArray("inputs").add(input);
        return JSON.writeValueAsBytes(request);
    }
}
