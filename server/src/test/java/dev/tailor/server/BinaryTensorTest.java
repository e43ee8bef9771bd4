package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.trainer.data.ImageSet;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Triton's binary tensor data extension over REST, with requests built byte by byte as Triton's
 * HTTP client ({@code tritonclient.http}) sends them: the JSON header, its length in
 * {@code Inference-Header-Content-Length}, then each binary input's raw little-endian bytes.
 */
class BinaryTensorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestServer server;
    private static ImageSet images;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        server = TestServer.start(Fixtures.shippedModels(), Map.of(), new TestObserver());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private record Answer(int status, byte[] body, String headerLength, String contentType) {
        JsonNode json(int length) throws Exception {
            return JSON.readTree(Arrays.copyOf(body, length));
        }
    }

    private static Answer post(byte[] body, String headerLength) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v2/models/cnn4b/infer"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headerLength != null) {
            request.header("Inference-Header-Content-Length", headerLength);
        }
        HttpResponse<byte[]> response = server.http().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), response.body(),
                response.headers().firstValue("Inference-Header-Content-Length").orElse(null),
                response.headers().firstValue("Content-Type").orElse(""));
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Two images as one [2,1,28,28] FP32 tensor. */
    private static float[] twoImages() {
        float[] two = new float[2 * 784];
        System.arraycopy(Fixtures.tensor(images, 0), 0, two, 0, 784);
        System.arraycopy(Fixtures.tensor(images, 1), 0, two, 784, 784);
        return two;
    }

    /** The same two images answered over plain JSON: the reference. */
    private static float[] jsonProbabilities(float[] input) throws Exception {
        String json = InferCalls.restBody(input, 2).toString();
        Answer answer = post(json.getBytes(StandardCharsets.UTF_8), null);
        assertEquals(200, answer.status(), new String(answer.body(), StandardCharsets.UTF_8));
        JsonNode values = JSON.readTree(answer.body()).path("outputs").path(0).path("data");
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values.get(i).asDouble();
        }
        return out;
    }

    @Test
    void binaryInputAndBinaryOutputRoundTripAsTritonsClientSendsThem() throws Exception {
        float[] input = twoImages();
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[2,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + input.length * 4 + "}}],"
                + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);

        Answer answer = post(concat(header, littleEndian(input)), Integer.toString(header.length));

        assertEquals(200, answer.status(), new String(answer.body(), StandardCharsets.UTF_8));
        assertEquals("application/octet-stream", answer.contentType());
        int jsonLength = Integer.parseInt(answer.headerLength());
        JsonNode output = answer.json(jsonLength).path("outputs").path(0);
        assertEquals("probabilities", output.path("name").asText());
        assertEquals("[2,10]", output.path("shape").toString());
        assertFalse(output.has("data"), "a binary output carries no JSON data");
        assertEquals(80, output.path("parameters").path("binary_data_size").asInt());
        assertEquals(jsonLength + 80, answer.body().length, "the header, then exactly the output's bytes");
        float[] probabilities = new float[20];
        ByteBuffer.wrap(answer.body(), jsonLength, 80).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(probabilities);
        assertArrayEquals(jsonProbabilities(input), probabilities, 1e-6f, "the same answer as over JSON");
        assertEquals(images.label(0), argmax(probabilities, 0));
    }

    @Test
    void binaryDataOutputAsksForEveryOutputAsBytesAndClassificationComesAsLengthPrefixedStrings() throws Exception {
        float[] input = Fixtures.tensor(images, 0);
        // a JSON-only request may ask for binary outputs too
        String json = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":"
                + Arrays.toString(input) + "}],\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":2}}],"
                + "\"parameters\":{\"binary_data_output\":true}}";

        Answer answer = post(json.getBytes(StandardCharsets.UTF_8), null);

        assertEquals(200, answer.status(), new String(answer.body(), StandardCharsets.UTF_8));
        int jsonLength = Integer.parseInt(answer.headerLength());
        JsonNode output = answer.json(jsonLength).path("outputs").path(0);
        assertEquals("BYTES", output.path("datatype").asText());
        int size = output.path("parameters").path("binary_data_size").asInt();
        assertEquals(jsonLength + size, answer.body().length);
        ByteBuffer bytes = ByteBuffer.wrap(answer.body(), jsonLength, size).order(ByteOrder.LITTLE_ENDIAN);
        int length = bytes.getInt();
        byte[] first = new byte[length];
        bytes.get(first);
        String top = new String(first, StandardCharsets.UTF_8);
        // Triton's classification string: value:index:label
        assertTrue(top.matches("0\\.\\d+:" + images.label(0) + ":.+"), top);
        assertEquals(2, countStrings(answer.body(), jsonLength, size));
    }

    @Test
    void malformedBinaryRequestsAreRefusedWithTheReason() throws Exception {
        float[] input = Fixtures.tensor(images, 0);
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":3136}}]}").getBytes(StandardCharsets.UTF_8);
        byte[] data = littleEndian(input);

        assertRefused(post(concat(header, Arrays.copyOf(data, 3000)), Integer.toString(header.length)), "only");
        assertRefused(post(concat(header, data, new byte[4]), Integer.toString(header.length)), "more bytes");
        assertRefused(post(concat(header, data), "12abc"), "whole number");
        assertRefused(post(concat(header, data), Integer.toString(header.length + 10_000)), "holds only");
        assertRefused(post(concat(header, data), null), "Inference-Header-Content-Length");
        byte[] odd = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":3135}}]}").getBytes(StandardCharsets.UTF_8);
        assertRefused(post(concat(odd, Arrays.copyOf(data, 3135)), Integer.toString(odd.length)), "4 bytes each");
        // the same value checks as JSON: a non-finite value in the bytes
        float[] bad = input.clone();
        bad[5] = Float.POSITIVE_INFINITY;
        assertRefused(post(concat(header, littleEndian(bad)), Integer.toString(header.length)), "finite");
        // and a server that still answers the good request
        Answer good = post(concat(header, data), Integer.toString(header.length));
        assertEquals(200, good.status());
    }

    @Test
    void theServerAdvertisesTheExtension() throws Exception {
        HttpResponse<String> response = server.http().send(HttpRequest.newBuilder(server.uri("/v2")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(JSON.readTree(response.body()).path("extensions").toString().contains("binary_tensor_data"));
    }

    private static void assertRefused(Answer answer, String reason) {
        String body = new String(answer.body(), StandardCharsets.UTF_8);
        assertEquals(400, answer.status(), body);
        assertTrue(body.contains(reason), "'" + reason + "' in " + body);
    }

    private static int countStrings(byte[] body, int offset, int size) {
        ByteBuffer bytes = ByteBuffer.wrap(body, offset, size).order(ByteOrder.LITTLE_ENDIAN);
        int count = 0;
        while (bytes.hasRemaining()) {
            int length = bytes.getInt();
            bytes.position(bytes.position() + length);
            count++;
        }
        return count;
    }

    private static int argmax(float[] values, int row) {
        int best = 0;
        for (int i = 1; i < 10; i++) {
            if (values[row * 10 + i] > values[row * 10 + best]) {
                best = i;
            }
        }
        return best;
    }
}
