package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.server.batch.BatchListener;
import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.batch.DynamicBatcher;
import dev.tailor.server.model.Device;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.OrtRuntime;
import dev.tailor.server.model.RuntimeSettings;
import dev.tailor.server.model.SessionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model whose outputs are not one row per batch item never serves (Triton #7171 leaked data
 * across a batch for lack of this): an output whose first dimension is another symbol than the
 * input's batch is rejected when it loads, one whose size does not follow the batch fails its
 * warm-up, and every run checks each output's size, so such a batch fails instead of being sliced.
 */
class BatchMajorOutputsTest {
    private static final RuntimeSettings CPU = new RuntimeSettings(Device.CPU, 0, 2, 1);

    @TempDir
    Path folder;

    @Test
    void modelsWhoseOutputsAreNotBatchMajorAreRejectedWhenTheyLoad() throws Exception {
        ModelFiles.renameOver(folder.resolve("cnn1.onnx"), ModelFiles.cnn1());
        try (TestServer server = TestServer.start(folder, Map.of(), new TestObserver())) {
            ModelFiles.renameOver(folder.resolve("two-rows.onnx"), ModelFiles.twoRowsPerItem());
            ModelFiles.renameOver(folder.resolve("other.onnx"), ModelFiles.otherFirstDimension());
            JsonNode twoRows = server.awaitEntry("two-rows.onnx", e -> e.path("state").asText().equals("failed"),
                    "the model with two rows per item should be rejected");
            assertTrue(twoRows.path("reason").asText().contains("not batch-major"), twoRows.toString());
            JsonNode other = server.awaitEntry("other.onnx", e -> e.path("state").asText().equals("failed"),
                    "the model with another first dimension should be rejected");
            assertTrue(other.path("reason").asText().contains("not the input's batch dimension 'N'"), other.toString());
            assertEquals(503, server.status("/v2/models/two-rows"), "a rejected model does not serve");
            assertEquals(200, server.status("/v2/health/ready"), "the good model keeps the server ready");
        }
    }

    @Test
    void everyRunChecksThatEachOutputHasOneRowPerItem() throws Exception {
        SessionFactory sessions = new SessionFactory(OrtRuntime.of(CPU), CPU);
        try (OnnxModel twoRows = OnnxModel.load(sessions, "two-rows", null, ModelFiles.twoRowsPerItem())) {
            try (OnnxModel.Lease lease = twoRows.acquire()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> lease.run(new float[3 * 784], 3));
                assertTrue(e.getMessage().contains("not batch-major"), e.getMessage());
            }
            DynamicBatcher batcher = new DynamicBatcher(twoRows, new BatchSettings(8, Duration.ZERO, 16, 1),
                    BatchListener.NONE);
            try {
                ExecutionException failed = assertThrows(ExecutionException.class, () -> batcher.submit(
                        new float[2 * 784], 2, System.nanoTime() + TimeUnit.MINUTES.toNanos(1)).get(1, TimeUnit.MINUTES));
                assertEquals(ErrorKind.INTERNAL, assertInstanceOf(ServingException.class, failed.getCause()).kind());
            } finally {
                batcher.close();
            }
        }
    }
}
