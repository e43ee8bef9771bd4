package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.trainer.data.ImageSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad files dropped into the models folder: each is rejected with its reason in the model list,
 * the model that was serving keeps serving, and a good file dropped afterwards is still loaded
 * (the watcher survives every rejection). Files still being written are left alone.
 */
class RejectedFilesTest {
    /** Watch events are only a hint: the server also looks at the folder this often. */
    private static final Map<String, String> FAST_POLL = Map.of("tailor.repository.poll-interval-ms", "200");
    private static byte[] a;
    private static byte[] b;
    private static float[] pixels;
    private static float[] answerA;
    private static float[] answerB;

    @TempDir
    Path models;

    private record Bad(String what, byte[] bytes, String reason) {
    }

    @BeforeAll
    static void answers() throws Exception {
        a = ModelFiles.cnn1();
        b = ModelFiles.ann();
        ImageSet images = Fixtures.testImages();
        pixels = Fixtures.tensor(images, 0);
        answerA = Answers.of(a, pixels, 1);
        answerB = Answers.of(b, pixels, 1);
    }

    @Test
    void badFilesDroppedOverAServingModelAreRejectedWithTheirReasonAndAGoodOneIsStillLoaded() throws Exception {
        Path file = models.resolve("shop.onnx");
        ModelFiles.renameOver(file, a);
        List<Bad> bad = List.of(
                new Bad("a truncated file", Arrays.copyOf(a, a.length / 2), "not a valid ONNX model"),
                new Bad("random bytes", ModelFiles.randomBytes(100_000), "not a valid ONNX model"),
                new Bad("an empty file", new byte[0], "empty file (0 bytes)"),
                new Bad("a model with another input shape", ModelFiles.flatInput(),
                        "inputs or outputs differ from the model it would replace"));
        try (TestServer server = TestServer.start(models, FAST_POLL, new TestObserver())) {
            InferCalls calls = new InferCalls(server);
            for (Bad drop : bad) {
                String sha = ModelFiles.sha256(drop.bytes());
                ModelFiles.renameOver(file, drop.bytes());
                JsonNode entry = server.awaitEntry("shop.onnx",
                        e -> sha.equals(e.path("last_error").path("sha256").asText()), drop.what() + " was never rejected");
                String reason = entry.get("last_error").get("reason").asText();
                assertTrue(reason.contains(drop.reason()), drop.what() + ": " + reason);
                assertEquals(drop.bytes().length, entry.get("last_error").get("bytes").asLong());
                assertEquals("ready", entry.get("state").asText(), drop.what());
                assertEquals(ModelFiles.sha256(a), entry.get("sha256").asText(), "the serving model was replaced by "
                        + drop.what());
                assertArrayEquals(answerA, calls.rest("shop", "", pixels, 1), Answers.TOLERANCE, drop.what());
                assertArrayEquals(answerA, calls.grpc("shop", "", pixels, 1), Answers.TOLERANCE, drop.what());
            }
            JsonNode metadata = server.metadata("shop");
            assertTrue(metadata.get("parameters").get("last_error").asText().contains("differ"), metadata.toString());

            String good = ModelFiles.sha256(b);
            ModelFiles.renameOver(file, b);
            JsonNode entry = server.awaitEntry("shop.onnx", e -> good.equals(e.path("sha256").asText()),
                    "the good file dropped after the bad ones was never loaded");
            assertFalse(entry.has("last_error"), "an older rejection still shows: " + entry);
            assertArrayEquals(answerB, calls.rest("shop", "", pixels, 1), Answers.TOLERANCE);
        }
    }

    @Test
    void aNewModelWithABadFileFailsVisiblyAndServesOnceItsFileIsFixed() throws Exception {
        ModelFiles.renameOver(models.resolve("shop.onnx"), a);
        TestObserver observer = new TestObserver();
        try (TestServer server = TestServer.start(models, FAST_POLL, observer)) {
            InferCalls calls = new InferCalls(server);
            ModelFiles.renameOver(models.resolve("fresh.onnx"), ModelFiles.randomBytes(5_000));
            server.awaitEntry("fresh.onnx", e -> e.get("state").asText().equals("failed"), "the bad new model never failed");
            ModelFiles.renameOver(models.resolve("fresh.onnx"), ModelFiles.randomBytes(5_000)); // the same bytes again
            observer.awaitFreshPass();
            JsonNode entry = server.entry("fresh.onnx");
            assertEquals("failed", entry.get("state").asText(), "the same bad bytes copied again: " + entry);
            assertTrue(entry.get("reason").asText().contains("not a valid ONNX model"), entry.toString());
            assertFalse(entry.get("ready").asBoolean());
            InferCalls.Failed refused = assertThrows(InferCalls.Failed.class, () -> calls.rest("fresh", "", pixels, 1));
            assertEquals(503, refused.status);
            assertTrue(refused.getMessage().contains("not ready: failed"), refused.getMessage());
            assertEquals(200, server.status("/v2/health/ready"), "a model added later does not hold readiness back");

            ModelFiles.renameOver(models.resolve("fresh.onnx"), b);
            server.awaitEntry("fresh.onnx", e -> e.get("ready").asBoolean(), "the fixed file never loaded");
            assertArrayEquals(answerB, calls.rest("fresh", "", pixels, 1), Answers.TOLERANCE);
        }
    }

    @Test
    void filesStillBeingWrittenAreLeftAloneUntilTheyStopChanging() throws Exception {
        Path shop = models.resolve("shop.onnx");
        ModelFiles.renameOver(shop, a);
        // files count as settled once unchanged for 10 minutes: the served file was written an hour ago
        Files.setLastModifiedTime(shop, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        TestObserver observer = new TestObserver();
        try (TestServer server = TestServer.start(models, Map.of("tailor.repository.settle-ms", "600000",
                "tailor.repository.poll-interval-ms", "200"), observer)) {
            Files.write(models.resolve(".shop2.onnx"), a);
            Files.write(models.resolve("shop3.onnx.part"), a);
            Files.write(models.resolve("shop4.onnx.tmp"), a);
            Files.write(models.resolve("shop5.onnx~"), a);
            Files.write(models.resolve("slow.onnx"), a); // just written: not settled
            observer.awaitFreshPass();
            JsonNode slow = server.entry("slow.onnx");
            assertEquals("loading", slow.get("state").asText(), slow.toString());
            assertEquals("waiting for the file to stop changing", slow.get("reason").asText());
            assertNull(slow.get("sha256"), "a file still being written was loaded");
            assertEquals(List.of("shop.onnx", "slow.onnx"), files(server.modelList()),
                    "hidden and temporary files are not models");
            InferCalls.Failed refused = assertThrows(InferCalls.Failed.class,
                    () -> new InferCalls(server).rest("slow", "", pixels, 1));
            assertEquals(503, refused.status, refused.getMessage());
        }
    }

    private static List<String> files(JsonNode list) {
        return StreamSupport.stream(list.spliterator(), false).map(e -> e.get("file").asText()).toList();
    }
}
