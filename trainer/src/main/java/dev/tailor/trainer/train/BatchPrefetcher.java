package dev.tailor.trainer.train;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Prepares a run of batches one ahead of the training step, on one background thread: while the
 * step computes batch k, batch k+1 is augmented and its dropout masks drawn (about a tenth of a
 * CNN4b step, done on the main thread before). Batches are made strictly in order on that single
 * thread, so the random stream is drawn exactly as without prefetching and runs stay reproducible.
 * Closing it waits for the batch in preparation and releases it. The thread is the caller's, and
 * one thread should serve a whole training run: each new native thread gets a malloc arena of its
 * own, which keeps the memory it once held.
 */
final class BatchPrefetcher implements AutoCloseable {
    private final int count;
    private final IntFunction<Map<String, INDArray>> make;
    private final Consumer<Map<String, INDArray>> release;
    private final ExecutorService thread;
    private Future<Map<String, INDArray>> pending;
    private int next;

    /**
     * @param thread  the single thread that makes batches (see {@link #newThread()})
     * @param count   batches in the run
     * @param make    makes batch {@code k} (called in order 0, 1, ..., on the background thread)
     * @param release frees a batch that was made but never taken
     */
    BatchPrefetcher(ExecutorService thread, int count, IntFunction<Map<String, INDArray>> make,
                    Consumer<Map<String, INDArray>> release) {
        this.thread = thread;
        this.count = count;
        this.make = make;
        this.release = release;
        if (count > 0) {
            pending = submit(0);
        }
    }

    /** A single daemon thread to make batches on; the caller shuts it down when training ends. */
    static ExecutorService newThread() {
        return Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "batch-prefetch");
            t.setDaemon(true);
            return t;
        });
    }

    /** The next batch (waiting for it if needed); the one after starts at once. */
    Map<String, INDArray> next() {
        if (next >= count) {
            throw new IllegalStateException("all " + count + " batches were taken");
        }
        Map<String, INDArray> batch = await(pending);
        next++;
        pending = next < count ? submit(next) : null;
        return batch;
    }

    private Future<Map<String, INDArray>> submit(int k) {
        return thread.submit(() -> make.apply(k));
    }

    private static Map<String, INDArray> await(Future<Map<String, INDArray>> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        if (pending != null) {
            try {
                release.accept(await(pending));
            } catch (RuntimeException e) {
                // the batch failed to build: there is nothing to release, and the run is ending anyway
            }
            pending = null;
        }
    }
}
