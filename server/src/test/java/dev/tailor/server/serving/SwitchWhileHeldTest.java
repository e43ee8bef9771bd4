package dev.tailor.server.serving;

import dev.tailor.exporter.TestModels;
import dev.tailor.server.Eventually;
import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.model.Device;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.OrtRuntime;
import dev.tailor.server.model.RuntimeSettings;
import dev.tailor.server.model.SessionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The moment of a switch, held still: a request that looked the model up before the switch and
 * has not queued yet is still served, by the instance it looked up, and that instance closes only
 * once the request leaves. Real files and ONNX Runtime sessions, no HTTP; the folder is only polled
 * (no watch service), which must find the change as well.
 */
class SwitchWhileHeldTest {
    @TempDir
    Path folder;
    @TempDir
    Path exports;

    @Test
    void aRequestThatLookedUpTheOldModelBeforeTheSwitchIsServedByItAndItClosesWhenTheRequestLeaves() throws Exception {
        RuntimeSettings cpu = new RuntimeSettings(Device.CPU, 0, 2, 1);
        SessionFactory sessions = new SessionFactory(OrtRuntime.of(cpu), cpu); // before the exporter's parity check
        byte[] a = Files.readAllBytes(TestModels.exported("cnn1", exports));
        byte[] b = Files.readAllBytes(TestModels.exported("ann", exports));
        float[] pixels = TestModels.testImages().normalized(0);
        float[] answerA = answer(sessions, a, pixels);
        Path file = folder.resolve("shop.onnx");
        renameOver(file, a);
        ModelRepository repository = new ModelRepository();
        RepositoryManager manager = new RepositoryManager(repository, new RepositorySettings(folder, false,
                Duration.ofMillis(100), Duration.ZERO, 1, Duration.ofSeconds(10), name -> VersionPolicy.LATEST,
                name -> new BatchSettings(8, Duration.ZERO, 64, 1)), sessions, ModelMetrics.NONE,
                ServingObserver.NONE);
        try {
            manager.start();
            assertTrue(manager.awaitStartup(Duration.ofMinutes(2)));
            ServedModel.Use held = repository.acquire("shop", "");
            ServedModel old = held.served();

            renameOver(file, b);
            String shaB = sha(b);
            // the switch puts the new instance in service, then retires the old one: wait for both steps
            Eventually.await(Duration.ofMinutes(2), "the new file never served", old::isRetired);
            assertNotSame(old, repository.find("shop", ""));
            assertEquals(shaB, repository.find("shop", "").source().sha256());
            assertFalse(old.closed().isDone(), "closed under a request that holds it");

            float[] served = old.batcher().submit(pixels, 1, System.nanoTime() + TimeUnit.MINUTES.toNanos(1))
                    .get(1, TimeUnit.MINUTES).outputs().get("probabilities");
            assertArrayEquals(answerA, served, 1e-4f, "not served by the instance it looked up");
            assertEquals(ModelState.READY, repository.statuses("shop").getFirst().state());

            held.close();
            old.closed().get(1, TimeUnit.MINUTES); // the last user left: it closes, on its own
        } finally {
            manager.close(Duration.ofSeconds(10));
        }
    }

    private static float[] answer(SessionFactory sessions, byte[] model, float[] pixels) throws Exception {
        try (OnnxModel loaded = OnnxModel.load(sessions, "expected", null, model);
             OnnxModel.Lease lease = loaded.acquire()) {
            return lease.run(pixels, 1).get("probabilities");
        }
    }

    private static void renameOver(Path target, byte[] bytes) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String sha(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
