package dev.tailor.server.serving;

import dev.tailor.server.batch.DynamicBatcher;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.OnnxModel;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded model file with the batcher in front of it, as requests see it, and the count of its
 * users. A request takes a {@link Use} when it looks the model up and closes it when it has its
 * answer, so a model swapped out or deleted under it still serves it: retiring only drops the
 * repository's own reference, and the batcher and session close when the last user leaves
 * ({@link OnnxModel}'s lease in turn keeps the session open while a batch runs). Owns the batcher
 * and the model.
 */
public final class ServedModel {
    private final OnnxModel model;
    private final DynamicBatcher batcher;
    private final Source source;
    private final AtomicInteger users = new AtomicInteger(1); // 1: the repository's, until retired
    private final AtomicBoolean retired = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile Runnable whenDrained;

    /**
     * Where a served model came from.
     *
     * @param relative its path inside the models folder
     * @param sha256   SHA-256 of the bytes that were loaded, hex
     * @param bytes    their count
     * @param loadedAt when it started serving
     * @param loadTime how long reading, checking and warming up took
     */
    public record Source(String relative, String sha256, long bytes, Instant loadedAt, Duration loadTime) {
    }

    ServedModel(OnnxModel model, DynamicBatcher batcher, Source source) {
        this.model = model;
        this.batcher = batcher;
        this.source = source;
    }

    /** What the model is. */
    public ModelInfo info() {
        return model.info();
    }

    /** The file it was loaded from. */
    public Source source() {
        return source;
    }

    /** The batcher in front of it. */
    public DynamicBatcher batcher() {
        return batcher;
    }

    /** Why it cannot run requests although it is in service (its batcher stopped), or null while it can. */
    public String failure() {
        return batcher.failure();
    }

    /** Whether it has been taken out of service (it may still be finishing requests). */
    public boolean isRetired() {
        return retired.get();
    }

    /** Completes once the batcher and the model are closed. */
    CompletableFuture<Void> closed() {
        return closed;
    }

    /** A use for one request, or null once the model has closed (the caller looks the model up again). */
    Use tryUse() {
        while (true) {
            int current = users.get();
            if (current == 0) {
                return null;
            }
            if (users.compareAndSet(current, current + 1)) {
                return new Use();
            }
        }
    }

    /**
     * Takes the model out of service: drops the repository's reference; once no request uses it,
     * {@code whenDrained} runs (on the thread of the last user: it should hand the closing off).
     * Idempotent.
     */
    void retire(Runnable whenDrained) {
        if (retired.compareAndSet(false, true)) {
            this.whenDrained = whenDrained;
            release();
        }
    }

    /**
     * Closes the batcher (failing whatever is still queued after {@code grace}) and drops the
     * model's owner reference; its session is freed when the last running batch returns its lease.
     */
    void close(Duration grace) {
        try {
            batcher.close(grace);
            model.close();
        } finally {
            closed.complete(null);
        }
    }

    private void release() {
        if (users.decrementAndGet() == 0) {
            whenDrained.run();
        }
    }

    /** One request's hold on the model; close it exactly once, when the request has its answer. */
    public final class Use implements AutoCloseable {
        private final AtomicBoolean released = new AtomicBoolean();

        private Use() {
        }

        /** The model this use holds. */
        public ServedModel served() {
            return ServedModel.this;
        }

        /** Shorthand for {@code served().info()}. */
        public ModelInfo info() {
            return model.info();
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release();
            }
        }
    }
}
