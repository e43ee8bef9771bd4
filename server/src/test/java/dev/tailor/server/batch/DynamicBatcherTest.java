package dev.tailor.server.batch;

import dev.tailor.exporter.TestModels;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.model.Device;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.OrtRuntime;
import dev.tailor.server.model.RuntimeSettings;
import dev.tailor.server.model.SessionFactory;
import dev.tailor.trainer.data.ImageSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batcher in front of a real ORT session of a real exported model. */
class DynamicBatcherTest {
    private static final RuntimeSettings CPU = new RuntimeSettings(Device.CPU, 0, 2, 1);
    @TempDir
    static Path dir;
    private static OnnxModel model;
    private static ImageSet images;

    @BeforeAll
    static void load() throws Exception {
        model = OnnxModel.load(new SessionFactory(OrtRuntime.of(CPU), CPU),
                TestModels.exported("ann", dir));
        images = TestModels.testImages();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void concurrentRequestsShareBatchesAndEachGetsItsOwnRows() throws Exception {
        Recording listener = new Recording();
        CountDownLatch allSubmitted = new CountDownLatch(1);
        listener.holdFirstBatchUntil(allSubmitted); // whatever did not join the first batch is queued together
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(64, Duration.ofMillis(50), 256, 1), listener);
        try {
            List<CompletableFuture<BatchResult>> futures = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                // requests of 1 and 2 images, so that a shifted offset would show
                int items = i % 3 == 0 ? 2 : 1;
                futures.add(batcher.submit(pixels(i, items), items, far()));
            }
            allSubmitted.countDown();
            for (int i = 0; i < futures.size(); i++) {
                int items = i % 3 == 0 ? 2 : 1;
                BatchResult result = futures.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(items, result.items());
                assertArrayEquals(alone(pixels(i, items), items), result.outputs().get("probabilities"), 1e-6f,
                        "request " + i);
            }
            assertTrue(listener.sizes.stream().anyMatch(s -> s > 1), "batch sizes " + listener.sizes);
            assertEquals(32, listener.sizes.stream().mapToInt(Integer::intValue).sum());
        } finally {
            batcher.close();
        }
    }

    @Test
    void fullQueueRefusesAtOnceAndCloseFinishesQueuedWork() throws Exception {
        Recording listener = new Recording();
        // a long queue delay keeps the first requests waiting for company
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(64, Duration.ofSeconds(30), 4, 1), listener);
        CompletableFuture<BatchResult> three = batcher.submit(pixels(0, 3), 3, far());
        CompletableFuture<BatchResult> one = batcher.submit(pixels(3, 1), 1, far());
        ServingException full = assertThrows(ServingException.class, () -> batcher.submit(pixels(4, 1), 1, far()));
        assertEquals(ErrorKind.OVERLOADED, full.kind());
        assertEquals(4, batcher.queuedImages());

        batcher.close(Duration.ofSeconds(10));
        assertEquals(3, three.get(1, TimeUnit.SECONDS).items());
        assertEquals(1, one.get(1, TimeUnit.SECONDS).items());
        assertEquals(List.of(4), List.copyOf(listener.sizes));
        ServingException closed = assertThrows(ServingException.class, () -> batcher.submit(pixels(0, 1), 1, far()));
        assertEquals(ErrorKind.UNAVAILABLE, closed.kind());
    }

    @Test
    void requestPastItsDeadlineIsNeverComputed() throws Exception {
        Recording listener = new Recording();
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(8, Duration.ZERO, 16, 1), listener);
        try {
            CompletableFuture<BatchResult> late = batcher.submit(pixels(0, 1), 1, System.nanoTime() - 1);
            ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS));
            assertEquals(ErrorKind.DEADLINE_EXCEEDED, assertInstanceOf(ServingException.class, e.getCause()).kind());
            assertEquals(1, batcher.submit(pixels(1, 1), 1, far()).get(5, TimeUnit.SECONDS).items());
            assertEquals(List.of(1), List.copyOf(listener.sizes), "only the live request ran");
        } finally {
            batcher.close();
        }
    }

    @Test
    void dataThatDoesNotFillItsItemsIsRejectedBeforeQueueing() {
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(8, Duration.ZERO, 16, 1), BatchListener.NONE);
        try {
            ServingException e = assertThrows(ServingException.class, () -> batcher.submit(new float[784 * 2 - 1], 2, far()));
            assertEquals(ErrorKind.BAD_REQUEST, e.kind());
            assertEquals(0, batcher.queuedImages());
        } finally {
            batcher.close();
        }
    }

    @Test
    void sessionStaysOpenWhileALeaseIsHeld() throws Exception {
        OnnxModel own = OnnxModel.load(new SessionFactory(OrtRuntime.of(CPU), CPU),
                dir.resolve("ann.onnx"));
        OnnxModel.Lease lease = own.acquire();
        own.close();
        assertEquals(false, own.isReleased());
        assertEquals(10, lease.run(pixels(0, 1), 1).get("probabilities").length, "runs after close while leased");
        lease.close();
        assertTrue(own.isReleased());
        assertEquals(ErrorKind.UNAVAILABLE, assertThrows(ServingException.class, own::acquire).kind());
    }

    private static float[] alone(float[] input, int items) throws Exception {
        try (OnnxModel.Lease lease = model.acquire()) {
            return lease.run(input, items).get("probabilities");
        }
    }

    private static float[] pixels(int first, int items) {
        float[] out = new float[items * 784];
        for (int k = 0; k < items; k++) {
            images.copyNormalized(first + k, out, k * 784);
        }
        return out;
    }

    private static long far() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }

    private static final class Recording implements BatchListener {
        final ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
        final AtomicInteger dequeued = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        volatile CountDownLatch holdFirst;

        void holdFirstBatchUntil(CountDownLatch release) {
            holdFirst = release;
        }

        @Override
        public void batchStarting(int images) throws InterruptedException {
            CountDownLatch hold = holdFirst;
            if (started.incrementAndGet() == 1 && hold != null) {
                hold.await();
            }
        }

        @Override
        public void batchRan(int images, long computeNanos) {
            sizes.add(images);
        }

        @Override
        public void requestDequeued(long queueNanos) {
            dequeued.incrementAndGet();
        }
    }

}
