package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.InferParameter;
import dev.tailor.api.oip.GrpcPredictV2.InferTensorContents;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.api.v1.ClassifyRequest;
import dev.tailor.trainer.data.ImageSet;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Bad inputs a hostile or careless client sends, over REST (HTTP/1.1 and h2c), gRPC and the
 * classify API: each gets a precise refusal within {@link #REFUSAL} (a hang detector, not a timing
 * claim), and then a good request on the same connection gets the right answer. The connections
 * are written byte for byte ({@link RawHttp1}, {@link RawHttp2}), so "the same connection" is
 * literal; two cases use a grpc-java channel as real clients do. Where a refusal can be pinned
 * without a clock it is: a bad multipart boundary and an oversized declared length are answered
 * while the body has not even been sent, an oversized gRPC message at its length prefix. No case
 * may log at SEVERE (Helidon's gRPC handler used to dump every failed request in hex there).
 */
class BadInputTest {
    private static final Duration REFUSAL = Duration.ofSeconds(30); // a hang detector for a busy 2-core CI, not a timing claim
    private static final Duration ANSWER = Duration.ofMinutes(1); // a good inference on a busy machine
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "cnn1";
    private static final String INFER = "/v2/models/" + MODEL + "/infer";
    private static final String CLASSIFY = "/v1/models/" + MODEL + "/classify";
    private static final String MODEL_INFER = "inference.GRPCInferenceService/ModelInfer";
    private static final String GRPC_CLASSIFY = "tailor.v1.ClassificationService/Classify";
    private static final int QUEUE_CAPACITY = 64;
    private static final int MIB = 1024 * 1024;
    private static final Pattern INTERNALS = Pattern.compile(
            "\\b(java|javax|io\\.helidon|com\\.google|ai\\.onnxruntime|dev\\.tailor)\\.[a-z]|Exception\\b|\\bat [a-z]+\\.");
    private static final Logger ROOT = Logger.getLogger("");
    private static final List<LogRecord> SEVERE = new ArrayList<>();
    private static final Handler SEVERE_RECORDS = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                synchronized (SEVERE) {
                    SEVERE.add(record);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private static TestServer running;
    private static int port;
    private static ImageSet images;
    private static float[] pixels;
    private static float[] expected;
    private static String data;

    @BeforeAll
    static void start() throws Exception {
        images = Fixtures.testImages();
        pixels = Fixtures.tensor(images, 0);
        expected = Answers.of(ModelFiles.cnn1(), pixels, 1);
        StringBuilder values = new StringBuilder();
        for (float v : pixels) {
            values.append(values.isEmpty() ? "" : ",").append(v);
        }
        data = values.toString();
        running = TestServer.start(Map.of(
                "tailor.batching.queue-capacity", Integer.toString(QUEUE_CAPACITY),
                "tailor.max-request-pixels", "5000")); // six 28x28 images: one classify request holds at most that
        port = running.server().port();
        ROOT.addHandler(SEVERE_RECORDS);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        ROOT.removeHandler(SEVERE_RECORDS);
        if (running != null) {
            running.close();
        }
        synchronized (SEVERE) {
            assertTrue(SEVERE.isEmpty(), "bad requests were logged at SEVERE: " + SEVERE.stream()
                    .map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
        }
    }

    // ---- REST inference over HTTP/1.1 ----

    @TestFactory
    Stream<DynamicTest> restInferenceRefusesBadRequestsAndKeepsTheConnection() {
        String shape = "[1,1,28,28]";
        return Stream.of(
                rest("shape dimension 2^63-1", 400, "shape", infer("[9223372036854775807,1,28,28]", data, "")),
                rest("shape dimension 2^31 (element count past an int)", 400, "more than 2147483647 values",
                        infer("[2147483648,1,28,28]", data, "")),
                rest("shape dimension past 64 bits", 400, "out of range", infer("[99999999999999999999,1,28,28]",
                        data, "")),
                rest("negative batch dimension", 400, "shape", infer("[-1,1,28,28]", data, "")),
                rest("zero batch dimension", 400, "shape", infer("[0,1,28,28]", data, "")),
                rest("wrong rank", 400, "shape", infer("[1,784]", data, "")),
                rest("shape of strings", 400, "'shape'", infer("[\"1\",\"1\",\"28\",\"28\"]", data, "")),
                rest("parameters.timeout of 9.3e15 microseconds", 400, "'timeout'", infer(shape, data,
                        "\"parameters\":{\"timeout\":9300000000000000},")),
                rest("parameters.timeout as a float", 400, "'timeout'", infer(shape, data,
                        "\"parameters\":{\"timeout\":9.3e15},")),
                rest("negative parameters.timeout", 400, "'timeout'", infer(shape, data,
                        "\"parameters\":{\"timeout\":-5},")),
                rest("FP32 value 1e39", 400, "not a finite", infer(shape, data.replaceFirst("^[^,]+", "1e39"), "")),
                rest("FP32 value -1e39", 400, "not a finite", infer(shape, data.replaceFirst("^[^,]+", "-1e39"), "")),
                rest("NaN as a string", 400, "numbers only", infer(shape, data.replaceFirst("^[^,]+", "\"NaN\""), "")),
                rest("NaN as a bare token", 400, "malformed JSON", infer(shape, data.replaceFirst("^[^,]+", "NaN"), "")),
                rest("one value fewer than the shape", 400, "carries 783 values", infer(shape,
                        data.substring(data.indexOf(',') + 1), "")),
                rest("truncated JSON", 400, "malformed JSON", utf8("{\"inputs\": [{\"name\": \"input\", ")),
                rest("a JSON array", 400, "JSON object", utf8("[1,2]")),
                rest("content after the request object", 400, "after the request object",
                        concat(infer(shape, data, ""), utf8("{}"))),
                rest("data nested 5000 deep", 400, "nesting", infer(shape, "[".repeat(5000) + "]".repeat(5000), "")),
                rest("empty body", 400, "JSON object", new byte[0]),
                rest("no inputs", 400, "no 'inputs'", utf8("{\"inputs\":[]}")),
                rest("unknown input name", 400, "unknown input", utf8("{\"inputs\":[{\"name\":\"pixels\",\"shape\":"
                        + shape + ",\"datatype\":\"FP32\",\"data\":[" + data + "]}]}")),
                rest("datatype INT64", 400, "datatype INT64", utf8("{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape
                        + ",\"datatype\":\"INT64\",\"data\":[" + data + "]}]}")),
                rest("classification 0", 400, "classification", infer(shape, data,
                        "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":0}}],")),
                rest("classification 11 of 10 classes", 400, "classification", infer(shape, data,
                        "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":11}}],")),
                rest("unknown output", 400, "no output 'nope'", infer(shape, data, "\"outputs\":[{\"name\":\"nope\"}],")),
                rest("bytes that are not UTF-8", 400, "malformed JSON", new byte[]{'{', '"', (byte) 0xFF, (byte) 0xFE,
                        '"', ':', '1', '}'}),
                restTo("unknown model", "/v2/models/nope/infer", 404, "unknown model 'nope'", infer(shape, data, "")),
                restTo("unknown version", "/v2/models/" + MODEL + "/versions/9/infer", 404, "no version '9'",
                        infer(shape, data, "")));
    }

    @Test
    void inferenceBodiesAreReadAsJsonWhateverTheirContentTypeAsTritonDoes() throws Exception {
        byte[] body = infer("[1,1,28,28]", data, "");
        try (RawHttp1 connection = new RawHttp1(port)) {
            for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/octet-stream")) {
                RawHttp1.Response response = connection.send("POST", INFER, body, "Content-Type: " + type,
                        "Content-Length: " + body.length).read(ANSWER);
                assertEquals(200, response.status(), type + ": " + response.text());
                assertArrayEquals(expected, probabilities(response.text()), 1e-5f, type);
            }
            RawHttp1.Response untyped = connection.send("POST", INFER, body, "Content-Length: " + body.length)
                    .read(ANSWER);
            assertEquals(200, untyped.status(), untyped.text());
        }
    }

    @Test
    void chunkedBodyOverTheLimitIs413AndTheConnectionClosesCleanly() throws Exception {
        try (RawHttp1 connection = new RawHttp1(port)) {
            connection.send("POST", INFER, null, "Content-Type: application/json", "Transfer-Encoding: chunked");
            byte[] start = utf8("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":[");
            connection.write(chunk(start));
            byte[] zeros = utf8("0,".repeat(MIB / 2));
            long sent = start.length;
            while (sent + zeros.length <= 16L * MIB) { // up to the limit of 16 MiB, in valid JSON ...
                connection.write(chunk(zeros));
                sent += zeros.length;
            }
            // ... then a chunk header that takes the body past it: the server stops reading there
            connection.write(utf8(Integer.toHexString(MIB) + "\r\n"));
            RawHttp1.Response response = connection.read(REFUSAL);
            assertEquals(413, response.status(), response.text());
            assertTrue(error(response.text()).contains("max-payload-size"), response.text());
            assertTrue(response.closes(), "a body that is not read to its end leaves the connection unusable: "
                    + response.headers());
        }
        goodRestOnNewConnection();
    }

    @Test
    void declaredLengthOverTheLimitIs413BeforeTheBodyIsSent() throws Exception {
        try (RawHttp1 connection = new RawHttp1(port)) {
            RawHttp1.Response response = connection.send("POST", INFER, null, "Content-Type: application/json",
                    "Content-Length: " + 17 * MIB).read(REFUSAL);
            assertEquals(413, response.status());
            assertTrue(connection.closedByServer(REFUSAL), "the unread body leaves the connection unusable");
        }
        goodRestOnNewConnection();
    }

    // ---- classify over HTTP/1.1 ----

    @TestFactory
    Stream<DynamicTest> classifyRefusesBadImagesAndKeepsTheConnection() throws Exception {
        byte[] png = ServerEndToEndTest.png(images, 0);
        return Stream.of(
                classify("empty image/png body", 400, "empty image", "image/png", new byte[0]),
                classify("bytes that are not an image", 415, "not an image", "image/png", utf8("not a picture")),
                classify("truncated PNG", 400, "truncated or corrupt", "image/png", Arrays.copyOf(png, png.length / 2)),
                classify("PNG header claiming 100000x100000 pixels", 400, "tailor.max-image-pixels", "image/png",
                        pngHeader(100_000, 100_000)),
                classify("multipart boundary with a character RFC 2046 forbids", 400, "RFC 2046",
                        "multipart/form-data; boundary=a{b}", multipart("a{b}", png)),
                classify("multipart without a boundary", 400, "without a boundary", "multipart/form-data",
                        multipart("x", png)),
                classify("multipart body without its closing boundary", 400, "closing boundary",
                        "multipart/form-data; boundary=xyz", Arrays.copyOf(multipart("xyz", png),
                                multipart("xyz", png).length - 12)),
                classify("multipart part headers that never end", 400, "headers do not end",
                        "multipart/form-data; boundary=xyz", utf8("--xyz\r\nContent-Disposition: form-data; name=\"image\"\r\n"
                                + "X: " + "y".repeat(9000))),
                classify("multipart with 65 images, over the queue capacity of 64", 400, "at most 64",
                        "multipart/form-data; boundary=xyz", multipart("xyz", repeat(png, 65))),
                classify("65 parts that are not images: counted before any is decoded", 400, "at most 64",
                        "multipart/form-data; boundary=xyz", multipart("xyz", repeat(utf8("not a picture"), 65))),
                classify("multipart with 1025 parts", 400, "more than 1024 parts", "multipart/form-data; boundary=xyz",
                        multipart("xyz", repeat(new byte[0], 1025))),
                classify("seven images past tailor.max-request-pixels", 400, "tailor.max-request-pixels",
                        "multipart/form-data; boundary=xyz", multipart("xyz", repeat(png, 7))),
                classifyTo("top_k=0", CLASSIFY + "?top_k=0", 400, "top_k", "image/png", png),
                classifyTo("top_k=11 of 10 classes", CLASSIFY + "?top_k=11", 400, "top_k", "image/png", png),
                classifyTo("top_k=abc", CLASSIFY + "?top_k=abc", 400, "top_k", "image/png", png),
                classifyTo("preprocess=bogus", CLASSIFY + "?preprocess=bogus", 400, "preprocess", "image/png", png),
                classifyTo("timeout_ms beyond 24 h", CLASSIFY + "?timeout_ms=2000000000", 400, "timeout_ms",
                        "image/png", png),
                classify("text/plain", 415, "send an image", "text/plain", png),
                classifyTo("unknown model", "/v1/models/nope/classify", 404, "unknown model", "image/png", png));
    }

    @Test
    void overlongMultipartBoundaryIsRefusedBeforeItsBodyIsRead() throws Exception {
        String boundary = "b".repeat(9_999);
        byte[] body = multipart(boundary, new byte[4 * MIB]);
        try (RawHttp1 connection = new RawHttp1(port)) {
            // only the head goes out: the answer must come without the 4 MiB body
            RawHttp1.Response response = connection.send("POST", CLASSIFY, null,
                    "Content-Type: multipart/form-data; boundary=" + boundary, "Content-Length: " + body.length)
                    .read(REFUSAL);
            assertEquals(400, response.status(), response.text());
            assertTrue(error(response.text()).contains("1 to 70 characters"), response.text());
            connection.write(body); // the server reads and drops it, and the connection goes on
            goodRest(connection);
        }
    }

    // ---- REST over h2c ----

    @Test
    void maxPayloadSizeHoldsForH2cBodiesAndTheConnectionStaysUsable() throws Exception {
        try (RawHttp2 connection = new RawHttp2(port)) {
            int declared = connection.open("POST", INFER, false, "content-type", "application/json",
                    "content-length", Integer.toString(17 * MIB));
            RawHttp2.Stream refused = connection.await(declared, REFUSAL); // before a byte of the body was sent
            assertEquals(413, refused.status(), refused.text());
            connection.data(declared, new byte[0], true);

            byte[] big = concat(utf8("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":["),
                    utf8("0,".repeat(17 * MIB / 2)));
            int undeclared = connection.open("POST", INFER, false, "content-type", "application/json");
            connection.data(undeclared, big, true);
            RawHttp2.Stream tooLarge = connection.await(undeclared, REFUSAL);
            assertEquals(413, tooLarge.status(), tooLarge.text());
            assertTrue(error(tooLarge.text()).contains("server.max-payload-size"), tooLarge.text());

            int good = connection.open("POST", INFER, false, "content-type", "application/json");
            connection.data(good, infer("[1,1,28,28]", data, ""), true);
            RawHttp2.Stream answered = connection.await(good, ANSWER);
            assertEquals(200, answered.status(), answered.text());
            assertArrayEquals(expected, probabilities(answered.text()), 1e-5f);
        }
    }

    // ---- gRPC, frame by frame ----

    @TestFactory
    Stream<DynamicTest> grpcRefusesMalformedCallsAtOnceAndKeepsTheConnection() throws Exception {
        byte[] good = rawInfer(pixels, 1).toByteArray();
        byte[] gzipped = gzip(good);
        return Stream.of(
                grpc("message larger than tailor.grpc-max-message-size, refused at its length prefix",
                        Status.Code.RESOURCE_EXHAUSTED, "tailor.grpc-max-message-size", c -> {
                            int id = c.openGrpc(MODEL_INFER);
                            byte[] prefix = ByteBuffer.allocate(5).put((byte) 0).putInt(17 * MIB).array();
                            c.data(id, prefix, false); // the prefix only: the answer must come before the message
                            return id;
                        }, true),
                grpc("length prefix claiming 1.7 GB", Status.Code.RESOURCE_EXHAUSTED, "larger than", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, concat(ByteBuffer.allocate(5).put((byte) 0).putInt(1_700_000_000).array(),
                            new byte[1000]), false);
                    return id;
                }, true),
                grpc("a body that is not gRPC messages", Status.Code.INTERNAL, "not gRPC messages", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, utf8("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true);
                    return id;
                }, false),
                grpc("garbage protobuf bytes", Status.Code.INVALID_ARGUMENT, "not a valid request", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, RawHttp2.grpcMessage(ModelFiles.randomBytes(300), false), true);
                    return id;
                }, false),
                grpc("grpc-encoding gzip with a small valid message", Status.Code.UNIMPLEMENTED, "gzip", c -> {
                    int id = c.openGrpc(MODEL_INFER, "grpc-encoding", "gzip");
                    c.data(id, RawHttp2.grpcMessage(gzipped, true), true);
                    return id;
                }, false),
                grpc("grpc-encoding gzip with a 64 MiB inflating bomb", Status.Code.UNIMPLEMENTED, "gzip", c -> {
                    int id = c.openGrpc(MODEL_INFER, "grpc-encoding", "gzip");
                    c.data(id, RawHttp2.grpcMessage(gzip(new byte[64 * MIB]), true), true);
                    return id;
                }, false),
                grpc("a compressed message without grpc-encoding", Status.Code.INTERNAL, "compressed", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, RawHttp2.grpcMessage(gzipped, true), true);
                    return id;
                }, false),
                grpc("the stream ends inside a message", Status.Code.INTERNAL, "ended inside", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, Arrays.copyOf(RawHttp2.grpcMessage(good, false), 100), true);
                    return id;
                }, false),
                grpc("no message at all", Status.Code.INTERNAL, "", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, new byte[0], true);
                    return id;
                }, false),
                grpc("two messages on a unary call", Status.Code.INTERNAL, "", c -> {
                    int id = c.openGrpc(MODEL_INFER);
                    c.data(id, concat(RawHttp2.grpcMessage(good, false), RawHttp2.grpcMessage(good, false)), true);
                    return id;
                }, false),
                grpc("unknown method", Status.Code.UNIMPLEMENTED, "unknown method", c -> {
                    int id = c.openGrpc("inference.GRPCInferenceService/Nope");
                    c.data(id, RawHttp2.grpcMessage(good, false), true);
                    return id;
                }, false),
                grpc("binary metadata that is not base64", Status.Code.INVALID_ARGUMENT, "base64", c -> {
                    int id = c.openGrpc(MODEL_INFER, "trace-bin", "%%%not base64%%%");
                    c.data(id, RawHttp2.grpcMessage(good, false), true);
                    return id;
                }, false),
                grpcMessage("shape dimension 2^63-1", Status.Code.INVALID_ARGUMENT, "shape", MODEL_INFER,
                        rawInfer(pixels, 1).toBuilder().setInputs(0, rawInfer(pixels, 1).getInputs(0).toBuilder()
                                .setShape(0, Long.MAX_VALUE)).build().toByteArray()),
                grpcMessage("raw FP32 holding NaN", Status.Code.INVALID_ARGUMENT, "not a finite",
                        MODEL_INFER, rawInfer(withFirst(pixels, Float.NaN), 1).toByteArray()),
                grpcMessage("typed fp32_contents holding infinity", Status.Code.INVALID_ARGUMENT, "not a finite",
                        MODEL_INFER, typedInfer(withFirst(pixels, Float.POSITIVE_INFINITY)).toByteArray()),
                grpcMessage("raw_input_contents count differs from the inputs", Status.Code.INVALID_ARGUMENT,
                        "raw_input_contents", MODEL_INFER, rawInfer(pixels, 1).toBuilder()
                                .addRawInputContents(ByteString.copyFrom(new byte[8])).build().toByteArray()),
                grpcMessage("raw bytes not a multiple of 4", Status.Code.INVALID_ARGUMENT, "multiple of 4", MODEL_INFER,
                        rawInfer(pixels, 1).toBuilder().setRawInputContents(0, ByteString.copyFrom(new byte[3135]))
                                .build().toByteArray()),
                grpcMessage("classification parameter -1", Status.Code.INVALID_ARGUMENT, "classification", MODEL_INFER,
                        rawInfer(pixels, 1).toBuilder().addOutputs(ModelInferRequest.InferRequestedOutputTensor
                                .newBuilder().setName("probabilities").putParameters("classification",
                                        InferParameter.newBuilder().setInt64Param(-1).build())).build().toByteArray()),
                grpcMessage("a shape with 65 images, over the queue capacity", Status.Code.INVALID_ARGUMENT,
                        "at most 64", MODEL_INFER, rawInfer(new float[65 * 784], 65).toByteArray()),
                grpcMessage("unknown model", Status.Code.NOT_FOUND, "unknown model", MODEL_INFER,
                        rawInfer(pixels, 1).toBuilder().setModelName("nope").build().toByteArray()),
                grpcMessage("classify an empty image", Status.Code.INVALID_ARGUMENT, "empty image", GRPC_CLASSIFY,
                        ClassifyRequest.newBuilder().setModel(MODEL).addImages(ByteString.EMPTY).build().toByteArray()),
                grpcMessage("classify 65 images, over the queue capacity", Status.Code.INVALID_ARGUMENT, "at most 64",
                        GRPC_CLASSIFY, classifyRequest(65).toByteArray()),
                grpcMessage("classify 65 images that are not images: counted before any is decoded",
                        Status.Code.INVALID_ARGUMENT, "at most 64", GRPC_CLASSIFY, ClassifyRequest.newBuilder()
                                .setModel(MODEL).addAllImages(Collections.nCopies(65,
                                        ByteString.copyFromUtf8("not a picture"))).build().toByteArray()),
                grpcMessage("classify with top_k 11 of 10 classes", Status.Code.INVALID_ARGUMENT, "top_k", GRPC_CLASSIFY,
                        ClassifyRequest.newBuilder().setModel(MODEL).setTopK(11)
                                .addImages(ByteString.copyFrom(ServerEndToEndTest.png(images, 0))).build().toByteArray()));
    }

    @Test
    void grpcDeadlineOfNinetyNineMillionHoursIsServed() throws Exception {
        try (RawHttp2 connection = new RawHttp2(port)) {
            int id = connection.openGrpc(MODEL_INFER, "grpc-timeout", "99999999H");
            connection.data(id, RawHttp2.grpcMessage(rawInfer(pixels, 1).toByteArray(), false), true);
            assertGoodInferResponse(connection.await(id, ANSWER));
        }
    }

    @Test
    void grpcWebIsNotTakenForGrpc() throws Exception {
        try (RawHttp2 connection = new RawHttp2(port)) {
            int id = connection.open("POST", "/" + MODEL_INFER, false, "content-type", "application/grpc-web");
            connection.data(id, RawHttp2.grpcMessage(rawInfer(pixels, 1).toByteArray(), false), true);
            assertEquals(404, connection.await(id, REFUSAL).status());
            goodGrpc(connection);
        }
    }

    // ---- gRPC through grpc-java, as clients call ----

    @Test
    void grpcRequestOf956ImagesIsRefusedAndTheChannelKeepsServing() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub
                    .withDeadlineAfter(REFUSAL.toMillis(), TimeUnit.MILLISECONDS).modelInfer(rawInfer(new float[956 * 784], 956)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains("at most 64"), e.getStatus().getDescription());
            goodGrpc(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void grpcMessageOverTheLimitIsResourceExhaustedAndTheChannelKeepsServing() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext()
                .maxInboundMessageSize(64 * MIB).build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            goodGrpc(channel); // connected first, so the refusal below happens on this connection
            ModelInferRequest huge = rawInfer(pixels, 1).toBuilder()
                    .setRawInputContents(0, ByteString.copyFrom(new byte[17 * MIB])).build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub
                    .withDeadlineAfter(REFUSAL.toMillis(), TimeUnit.MILLISECONDS).modelInfer(huge));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
            goodGrpc(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // ---- the log ----

    @Test
    void refusedGrpcCallsAreLoggedInOneShortLineEachAndRateLimited() throws Exception {
        Logger transport = Logger.getLogger("dev.tailor.server.grpc.transport.GrpcTransport");
        List<LogRecord> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (lines) {
                    lines.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        transport.addHandler(capture);
        int calls = 60;
        long start = System.nanoTime();
        try (RawHttp2 connection = new RawHttp2(port)) {
            for (int i = 0; i < calls; i++) {
                int id = connection.openGrpc(MODEL_INFER);
                connection.data(id, RawHttp2.grpcMessage(ModelFiles.randomBytes(300), false), true);
                assertEquals(Status.Code.INVALID_ARGUMENT.value(), connection.await(id, REFUSAL).grpcStatus());
            }
        } finally {
            transport.removeHandler(capture);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        synchronized (lines) {
            assertFalse(lines.isEmpty(), "refusals are logged");
            // a burst of 10 lines, then 1 a second: however long the calls took, fewer lines than calls
            assertTrue(lines.size() <= 10 + Math.ceil(seconds) + 1, lines.size() + " lines for " + calls
                    + " refusals in " + seconds + " s");
            for (LogRecord line : lines) {
                assertEquals(Level.WARNING, line.getLevel());
                assertFalse(line.getMessage().contains("\n") || line.getMessage().length() > 400, line.getMessage());
                assertTrue(line.getThrown() == null, "no stack trace for a refusal");
            }
        }
    }

    // ---- cases ----

    private interface Sender {
        int send(RawHttp2 connection) throws Exception;
    }

    private static DynamicTest rest(String name, int status, String hint, byte[] body) {
        return restTo(name, INFER, status, hint, body);
    }

    private static DynamicTest restTo(String name, String path, int status, String hint, byte[] body) {
        return dynamicTest(name, () -> {
            try (RawHttp1 connection = new RawHttp1(port)) {
                RawHttp1.Response response = connection.postJson(path, body).read(REFUSAL);
                assertEquals(status, response.status(), response.text());
                assertTrue(error(response.text()).contains(hint), "'" + response.text() + "' should say '" + hint + "'");
                assertNoInternals(response.text());
                goodRest(connection);
            }
        });
    }

    private static DynamicTest classify(String name, int status, String hint, String type, byte[] body) {
        return classifyTo(name, CLASSIFY, status, hint, type, body);
    }

    private static DynamicTest classifyTo(String name, String path, int status, String hint, String type, byte[] body) {
        return dynamicTest(name, () -> {
            try (RawHttp1 connection = new RawHttp1(port)) {
                RawHttp1.Response response = connection.send("POST", path, body, "Content-Type: " + type,
                        "Content-Length: " + body.length).read(REFUSAL);
                assertEquals(status, response.status(), response.text());
                assertTrue(error(response.text()).contains(hint), "'" + response.text() + "' should say '" + hint + "'");
                assertNoInternals(response.text());
                goodRest(connection);
            }
        });
    }

    /**
     * A call written frame by frame, refused with {@code code}; with {@code stillSending} the client
     * had not ended its side when the refusal came, and ends it afterwards.
     */
    private static DynamicTest grpc(String name, Status.Code code, String hint, Sender sender, boolean stillSending) {
        return dynamicTest(name, () -> {
            try (RawHttp2 connection = new RawHttp2(port)) {
                int id = sender.send(connection);
                RawHttp2.Stream stream = connection.await(id, REFUSAL);
                assertEquals(code.value(), stream.grpcStatus(), stream.grpcMessage());
                assertTrue(stream.grpcMessage().contains(hint), "'" + stream.grpcMessage() + "' should say '" + hint + "'");
                assertNoInternals(stream.grpcMessage());
                if (stillSending) {
                    connection.data(id, new byte[0], true); // the client ends its side; the server read and dropped the rest
                }
                goodGrpc(connection);
            }
        });
    }

    /** A well-framed call whose message is refused by the service. */
    private static DynamicTest grpcMessage(String name, Status.Code code, String hint, String method, byte[] message) {
        return grpc(name, code, hint, c -> {
            int id = c.openGrpc(method);
            c.data(id, RawHttp2.grpcMessage(message, false), true);
            return id;
        }, false);
    }

    /** A refusal names what was wrong with the request, never a Java class or a stack frame. */
    private static void assertNoInternals(String answer) {
        assertFalse(INTERNALS.matcher(answer).find(), "the answer leaks internals: " + answer);
    }

    // ---- good requests ----

    private static void goodRest(RawHttp1 connection) throws Exception {
        RawHttp1.Response response = connection.postJson(INFER, infer("[1,1,28,28]", data, "")).read(ANSWER);
        assertEquals(200, response.status(), "the good request after the bad one: " + response.text());
        assertArrayEquals(expected, probabilities(response.text()), 1e-5f);
    }

    private static void goodRestOnNewConnection() throws Exception {
        try (RawHttp1 connection = new RawHttp1(port)) {
            goodRest(connection);
        }
    }

    private static void goodGrpc(RawHttp2 connection) throws Exception {
        assertFalse(connection.goneAway(), "the server closed the connection");
        int id = connection.openGrpc(MODEL_INFER);
        connection.data(id, RawHttp2.grpcMessage(rawInfer(pixels, 1).toByteArray(), false), true);
        assertGoodInferResponse(connection.await(id, ANSWER));
    }

    private static void assertGoodInferResponse(RawHttp2.Stream stream) throws Exception {
        assertEquals(0, stream.grpcStatus(), "the good call after the bad one: " + stream.grpcMessage());
        byte[] body = stream.data.toByteArray();
        ModelInferResponse response = ModelInferResponse.parseFrom(Arrays.copyOfRange(body, 5, body.length));
        assertArrayEquals(expected, floats(response.getRawOutputContents(0)), 1e-5f);
    }

    private static void goodGrpc(ManagedChannel channel) {
        ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(ANSWER.toMillis(), TimeUnit.MILLISECONDS).modelInfer(rawInfer(pixels, 1));
        assertArrayEquals(expected, floats(response.getRawOutputContents(0)), 1e-5f);
        assertEquals(ConnectivityState.READY, channel.getState(false), "the channel's connection was lost");
    }

    // ---- bodies ----

    private static byte[] infer(String shape, String values, String extra) {
        return utf8("{" + extra + "\"inputs\":[{\"name\":\"input\",\"shape\":" + shape
                + ",\"datatype\":\"FP32\",\"data\":[" + values + "]}]}");
    }

    private static ModelInferRequest rawInfer(float[] values, int n) {
        return InferCalls.grpcRequest(MODEL, values, n);
    }

    private static ModelInferRequest typedInfer(float[] values) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float v : values) {
            contents.addFp32Contents(v);
        }
        return ModelInferRequest.newBuilder().setModelName(MODEL)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of(1L, 1L, 28L, 28L)).setContents(contents)).build();
    }

    private static ClassifyRequest classifyRequest(int images) throws Exception {
        ClassifyRequest.Builder request = ClassifyRequest.newBuilder().setModel(MODEL);
        ByteString png = ByteString.copyFrom(ServerEndToEndTest.png(BadInputTest.images, 0));
        for (int i = 0; i < images; i++) {
            request.addImages(png);
        }
        return request.build();
    }

    private static byte[] multipart(String boundary, byte[]... images) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] image : images) {
            body.writeBytes(utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"\r\n"
                    + "Content-Type: image/png\r\n\r\n"));
            body.writeBytes(image);
            body.writeBytes(utf8("\r\n"));
        }
        body.writeBytes(utf8("--" + boundary + "--\r\n"));
        return body.toByteArray();
    }

    /** A PNG signature and header chunk declaring {@code width} x {@code height}, and no pixels. */
    private static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put(utf8("IHDR")).putInt(width).putInt(height)
                .put(new byte[]{8, 0, 0, 0, 0});
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
                .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] chunk(byte[] bytes) {
        return concat(utf8(Integer.toHexString(bytes.length) + "\r\n"), bytes, utf8("\r\n"));
    }

    private static byte[][] repeat(byte[] part, int times) {
        byte[][] parts = new byte[times][];
        Arrays.fill(parts, part);
        return parts;
    }

    private static float[] withFirst(float[] values, float first) {
        float[] copy = values.clone();
        copy[0] = first;
        return copy;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String error(String body) throws Exception {
        return JSON.readTree(body).get("error").asText();
    }

    private static float[] probabilities(String body) throws Exception {
        for (JsonNode output : JSON.readTree(body).get("outputs")) {
            if (output.get("name").asText().equals("probabilities")) {
                float[] values = new float[output.get("data").size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = output.get("data").get(i).floatValue();
                }
                return values;
            }
        }
        throw new AssertionError("no probabilities in " + body);
    }

    private static float[] floats(ByteString raw) {
        float[] out = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
