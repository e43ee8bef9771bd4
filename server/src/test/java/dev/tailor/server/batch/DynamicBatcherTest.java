package dev.tailor.server.batch;

import dev.tailor.exporter.TestModels;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.Eventually;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    void whenIdleALoneRequestRunsAtOnceInsteadOfWaitingForCompany() throws Exception {
        Recording listener = new Recording();
        // a window far longer than the wait below: only the idle rule can start this batch
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(64, Duration.ofMinutes(10), 256, 1,
                DispatchPolicy.WHEN_IDLE), listener);
        try {
            BatchResult result = batcher.submit(pixels(0, 1), 1, far()).get(60, TimeUnit.SECONDS);
            assertEquals(1, result.batchSize());
            assertArrayEquals(alone(pixels(0, 1), 1), result.outputs().get("probabilities"), 1e-6f);
        } finally {
            batcher.close();
        }
    }

    @Test
    void whenIdleRequestsArrivingDuringARunFormTheNextBatchTogether() throws Exception {
        Recording listener = new Recording();
        CountDownLatch othersQueued = new CountDownLatch(1);
        listener.holdFirstBatchUntil(othersQueued);
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(64, Duration.ofMinutes(10), 256, 1,
                DispatchPolicy.WHEN_IDLE), listener);
        try {
            CompletableFuture<BatchResult> first = batcher.submit(pixels(0, 1), 1, far());
            listener.awaitStarted(1); // the first runs alone, held in batchStarting
            List<CompletableFuture<BatchResult>> during = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                during.add(batcher.submit(pixels(i, 1), 1, far()));
            }
            othersQueued.countDown();
            assertEquals(1, first.get(60, TimeUnit.SECONDS).batchSize());
            for (int i = 0; i < during.size(); i++) {
                BatchResult result = during.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(3, result.batchSize(), "the three waiting requests run as one batch once the model is idle");
                assertArrayEquals(alone(pixels(i + 1, 1), 1), result.outputs().get("probabilities"), 1e-6f);
            }
            assertEquals(List.of(1, 3), List.copyOf(listener.sizes));
        } finally {
            batcher.close();
        }
    }

    @Test
    void aRequestThatWouldWaitLongerThanTheQueueWaitBudgetIsRefusedAtOnce() throws Exception {
        Recording listener = new Recording();
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch releaseThird = new CountDownLatch(1);
        listener.holdBatchUntil(1, releaseFirst);
        listener.holdBatchUntil(3, releaseThird);
        // a budget of 1 ns: once the model's speed is known, any batch running or queued ahead is too long a wait
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(4, Duration.ofMinutes(10), 256, 1,
                DispatchPolicy.WHEN_IDLE, Duration.ofNanos(1)), listener);
        try {
            CompletableFuture<BatchResult> first = batcher.submit(pixels(0, 1), 1, far());
            listener.awaitStarted(1);
            // nothing measured yet: requests queue behind others, bounded by the capacity only
            CompletableFuture<BatchResult> second = batcher.submit(pixels(1, 1), 1, far());
            CompletableFuture<BatchResult> third = batcher.submit(pixels(2, 1), 1, far());
            releaseFirst.countDown();
            assertEquals(1, first.get(60, TimeUnit.SECONDS).batchSize());
            assertEquals(2, second.get(60, TimeUnit.SECONDS).batchSize());
            assertEquals(2, third.get(60, TimeUnit.SECONDS).batchSize());
            awaitIdle(batcher);

            // measured now; the model is idle and nothing is queued: no wait, so it is taken
            CompletableFuture<BatchResult> running = batcher.submit(pixels(3, 1), 1, far());
            listener.awaitStarted(2); // batches 2 and 3 (permits count batches started since the last wait)
            ServingException busy = assertThrows(ServingException.class, () -> batcher.submit(pixels(4, 1), 1, far()));
            assertEquals(ErrorKind.OVERLOADED, busy.kind());
            assertTrue(busy.getMessage().contains("0 images waiting and 1 running")
                    && busy.getMessage().contains("1 ns queue-wait budget"), busy.getMessage());
            assertEquals(0, batcher.queuedImages(), "the refused request left nothing queued");
            // the same refusal, asked before a request body is read
            assertEquals(ErrorKind.OVERLOADED, assertThrows(ServingException.class, () -> batcher.checkAdmission(1)).kind());
            releaseThird.countDown();
            assertArrayEquals(alone(pixels(3, 1), 1), running.get(60, TimeUnit.SECONDS).outputs().get("probabilities"),
                    1e-6f);
            awaitIdle(batcher);
            batcher.checkAdmission(1); // idle: room again
            // the model idle again: the next request is taken
            assertArrayEquals(alone(pixels(5, 1), 1), batcher.submit(pixels(5, 1), 1, far()).get(60, TimeUnit.SECONDS)
                    .outputs().get("probabilities"), 1e-6f);
            assertEquals(List.of(1, 2, 1, 1), List.copyOf(listener.sizes));
        } finally {
            batcher.close();
        }
    }

    /** Waits until no batch runs (its callers may have their answers a moment before the worker counts it out). */
    private static void awaitIdle(DynamicBatcher batcher) throws Exception {
        Eventually.await(Duration.ofSeconds(60), "the batcher never went idle", () -> batcher.runningImages() == 0);
    }

    @Test
    void withoutAQueueWaitBudgetOnlyTheCapacityBoundsTheQueue() throws Exception {
        Recording listener = new Recording();
        CountDownLatch release = new CountDownLatch(1);
        listener.holdBatchUntil(2, release);
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(4, Duration.ofMinutes(10), 256, 1,
                DispatchPolicy.WHEN_IDLE), listener);
        try {
            assertEquals(4, batcher.submit(pixels(0, 4), 4, far()).get(60, TimeUnit.SECONDS).batchSize()); // measured
            CompletableFuture<BatchResult> running = batcher.submit(pixels(4, 1), 1, far());
            listener.awaitStarted(2);
            List<CompletableFuture<BatchResult>> queued = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                queued.add(batcher.submit(pixels(5 + i, 1), 1, far()));
            }
            assertEquals(12, batcher.queuedImages());
            batcher.checkAdmission(244); // 12 + 244 = the capacity of 256
            ServingException full = assertThrows(ServingException.class, () -> batcher.checkAdmission(245));
            assertTrue(full.getMessage().contains("queue is full"), full.getMessage());
            release.countDown();
            running.get(60, TimeUnit.SECONDS);
            for (CompletableFuture<BatchResult> future : queued) {
                assertEquals(4, future.get(60, TimeUnit.SECONDS).batchSize());
            }
        } finally {
            batcher.close();
        }
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

    @Test
    void aListenerThatThrowsFailsOnlyItsBatchAndTheWorkerCarriesOn() throws Exception {
        FailingOnce listener = new FailingOnce(new IllegalStateException("listener broke at java.lang.Object"));
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(8, Duration.ZERO, 16, 1), listener);
        try {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> batcher.submit(pixels(0, 1), 1, far()).get(30, TimeUnit.SECONDS));
            ServingException failure = assertInstanceOf(ServingException.class, e.getCause());
            assertEquals(ErrorKind.INTERNAL, failure.kind());
            assertTrue(failure.getMessage().contains("reference"), failure.getMessage());
            assertFalse(failure.getMessage().contains("java.lang") || failure.getMessage().contains("listener broke"),
                    "no detail of the failure reaches the caller: " + failure.getMessage());
            assertArrayEquals(alone(pixels(1, 1), 1), batcher.submit(pixels(1, 1), 1, far()).get(30, TimeUnit.SECONDS)
                    .outputs().get("probabilities"), 1e-6f, "the next request is served");
            assertNull(batcher.failure());
        } finally {
            batcher.close();
        }
    }

    @Test
    void anInterruptedWorkerFailsItsBatchAndCarriesOn() throws Exception {
        FailingOnce listener = new FailingOnce(null); // batchStarting throws InterruptedException once
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(8, Duration.ZERO, 16, 1), listener);
        try {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> batcher.submit(pixels(0, 1), 1, far()).get(30, TimeUnit.SECONDS));
            assertEquals(ErrorKind.UNAVAILABLE, assertInstanceOf(ServingException.class, e.getCause()).kind());
            assertEquals(1, batcher.submit(pixels(1, 1), 1, far()).get(30, TimeUnit.SECONDS).items());

            Thread worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("batcher-" + model.info().name() + "-0") && t.isAlive())
                    .findFirst().orElseThrow();
            worker.interrupt(); // an interrupt from outside, while it waits for work
            assertEquals(1, batcher.submit(pixels(2, 1), 1, far()).get(30, TimeUnit.SECONDS).items());
            assertTrue(worker.isAlive());
        } finally {
            batcher.close();
        }
    }

    @Test
    void aWorkerThatHitsAnErrorStopsAndTheBatcherSaysWhy() throws Exception {
        FailingOnce listener = new FailingOnce(new AssertionError("simulated VirtualMachineError"));
        CountDownLatch queued = new CountDownLatch(1);
        listener.holdFirstBatchUntil(queued);
        DynamicBatcher batcher = new DynamicBatcher(model, new BatchSettings(1, Duration.ZERO, 16, 1), listener);
        try {
            CompletableFuture<BatchResult> first = batcher.submit(pixels(0, 1), 1, far());
            CompletableFuture<BatchResult> waiting = batcher.submit(pixels(1, 1), 1, far());
            queued.countDown();
            ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
            assertEquals(ErrorKind.INTERNAL, assertInstanceOf(ServingException.class, e.getCause()).kind());
            ExecutionException dropped = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS));
            assertEquals(ErrorKind.UNAVAILABLE, assertInstanceOf(ServingException.class, dropped.getCause()).kind());
            assertNotNull(batcher.failure());
            assertTrue(batcher.failure().contains("batch worker stopped"), batcher.failure());
            ServingException refused = assertThrows(ServingException.class, () -> batcher.submit(pixels(2, 1), 1, far()));
            assertEquals(ErrorKind.UNAVAILABLE, refused.kind());
            assertTrue(refused.getMessage().contains("cannot run"), refused.getMessage());
        } finally {
            batcher.close();
        }
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

    /** Fails the first batch after it ran ({@code failure}), or before it runs with an interrupt (null). */
    private static final class FailingOnce implements BatchListener {
        private final Throwable failure;
        private final AtomicInteger batches = new AtomicInteger();
        private volatile CountDownLatch holdFirst;

        FailingOnce(Throwable failure) {
            this.failure = failure;
        }

        void holdFirstBatchUntil(CountDownLatch release) {
            holdFirst = release;
        }

        @Override
        public void batchStarting(int images) throws InterruptedException {
            if (holdFirst != null && batches.get() == 0) {
                holdFirst.await();
            }
            if (failure == null && batches.getAndIncrement() == 0) {
                throw new InterruptedException("interrupted by the test");
            }
        }

        @Override
        public void batchRan(int images, long computeNanos) {
            if (failure != null && batches.getAndIncrement() == 0) {
                if (failure instanceof Error error) {
                    throw error;
                }
                throw (RuntimeException) failure;
            }
        }

        @Override
        public void requestDequeued(long queueNanos) {
        }
    }

    private static final class Recording implements BatchListener {
        final ConcurrentLinkedQueue<Integer> sizes = new ConcurrentLinkedQueue<>();
        final AtomicInteger dequeued = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        final java.util.Map<Integer, CountDownLatch> holds = new java.util.concurrent.ConcurrentHashMap<>();

        final java.util.concurrent.Semaphore startedPermits = new java.util.concurrent.Semaphore(0);

        void holdFirstBatchUntil(CountDownLatch release) {
            holdBatchUntil(1, release);
        }

        /** Holds the {@code number}th batch (from 1) in {@link #batchStarting} until {@code release} opens. */
        void holdBatchUntil(int number, CountDownLatch release) {
            holds.put(number, release);
        }

        /** Waits until {@code batches} batches have started (a hang detector's timeout only). */
        void awaitStarted(int batches) throws InterruptedException {
            assertTrue(startedPermits.tryAcquire(batches, 60, TimeUnit.SECONDS), "batches did not start");
        }

        @Override
        public void batchStarting(int images) throws InterruptedException {
            CountDownLatch hold = holds.get(started.incrementAndGet());
            startedPermits.release();
            if (hold != null) {
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
