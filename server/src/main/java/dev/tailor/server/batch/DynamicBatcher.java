package dev.tailor.server.batch;

import ai.onnxruntime.OrtException;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.InternalErrors;
import dev.tailor.server.ServingException;
import dev.tailor.server.model.OnnxModel;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Groups concurrent requests for one model into single ONNX Runtime calls (as DJL Serving's
 * {@code BatchAggregator} does). A bounded queue counts images, not requests; a worker blocks for
 * the first request, then drains until {@code max-batch-size} images or until the first request
 * has waited {@code max-queue-delay}, runs the concatenated batch, and hands each caller exactly
 * its own rows. Requests that are cancelled or past their deadline when dequeued are never
 * computed. Owns its worker threads; does not own the model.
 */
public final class DynamicBatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DynamicBatcher.class.getName());

    private final OnnxModel model;
    private final BatchSettings settings;
    private final BatchListener listener;
    private final int itemSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    // one worker gathers at a time, so concurrent workers do not split a forming batch between them
    private final ReentrantLock gathering = new ReentrantLock();
    private final List<Thread> workers = new ArrayList<>();
    private final WaitEstimate waitEstimate;
    private int queuedImages;
    // images taken from the queue into the batch being gathered: still waiting, so they count against capacity
    private int forming;
    // batches in ORT now; guarded by lock. Under WHEN_IDLE a forming batch starts at once when this is 0
    private int running;
    // images in those batches; guarded by lock
    private int runningImages;
    private boolean closed;
    // why a worker stopped (an Error it could not survive), or null: the model then takes no requests
    private volatile String failure;

    /** Starts {@code settings.maxConcurrentBatches()} workers for {@code model}. */
    public DynamicBatcher(OnnxModel model, BatchSettings settings, BatchListener listener) {
        this.model = model;
        this.settings = settings;
        this.listener = listener;
        this.itemSize = model.info().input().itemSize();
        this.waitEstimate = new WaitEstimate(settings.maxBatchSize(), settings.maxConcurrentBatches());
        for (int i = 0; i < settings.maxConcurrentBatches(); i++) {
            // platform threads: the worker spends its time in native ORT code, which would pin a virtual thread
            Thread worker = Thread.ofPlatform().daemon().name("batcher-" + model.info().name() + "-" + i)
                    .unstarted(this::work);
            workers.add(worker);
            worker.start();
        }
    }

    /**
     * Why this batcher cannot run batches any more (a worker stopped on an {@link Error}), or null
     * while it can: the model is then not ready and says why.
     */
    public String failure() {
        return failure;
    }

    /** The batching settings in force. */
    public BatchSettings settings() {
        return settings;
    }

    /** Images waiting for their batch to start now. */
    public int queuedImages() {
        lock.lock();
        try {
            return queuedImages + forming;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues {@code items} items whose values are {@code input} (exactly {@code items × itemSize}
     * floats, row-major). The future completes with this request's rows, or fails with a
     * {@link ServingException}: OVERLOADED when the queue is full or (with {@code max-queue-wait}
     * set) the images ahead would keep it waiting longer than that, DEADLINE_EXCEEDED when
     * {@code deadlineNanos} (a {@link System#nanoTime()} instant) passes before its batch starts,
     * UNAVAILABLE once closed. A caller that gives up should cancel the future: it is then skipped.
     */
    public CompletableFuture<BatchResult> submit(float[] input, int items, long deadlineNanos) {
        if (items < 1 || input.length != (long) items * itemSize) {
            // the protocol layers check this against the declared shape first; this is the last line that
            // keeps one request's floats from shifting into another's rows
            throw ServingException.badRequest("request holds " + input.length + " values for " + items + " items of "
                    + itemSize + " values each");
        }
        if (items > settings.queueCapacity()) {
            throw ServingException.badRequest("request carries " + items + " items; model '" + model.info().name()
                    + "' accepts at most " + settings.queueCapacity() + " per request");
        }
        Job job = new Job(input, items, System.nanoTime(), deadlineNanos, new CompletableFuture<>());
        // a caller that gives up must free its place at once, not when a worker next looks at the queue
        // (which may be after a long batch)
        job.future.whenComplete((result, failure) -> {
            if (failure != null) {
                withdraw(job);
            }
        });
        lock.lock();
        try {
            if (failure != null) {
                throw new ServingException(ErrorKind.UNAVAILABLE, "model '" + model.info().name() + "' cannot run: "
                        + failure);
            }
            if (closed) {
                throw new ServingException(ErrorKind.UNAVAILABLE, "model '" + model.info().name() + "' is shutting down");
            }
            checkRoom(items);
            queue.addLast(job);
            queuedImages += items;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        return job.future;
    }

    /** Images in the batches ONNX Runtime runs now. */
    public int runningImages() {
        lock.lock();
        try {
            return runningImages;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses now what {@link #submit} would refuse for lack of room (a full queue, or a wait over the
     * queue-wait budget), so a server can answer 503 before it reads and parses a request body that
     * would be refused anyway: under overload, reading what is refused costs as much CPU as the model's
     * work. Passing is no promise: {@code submit} checks again.
     *
     * @throws ServingException OVERLOADED as {@code submit} would
     */
    public void checkAdmission(int items) {
        lock.lock();
        try {
            checkRoom(items);
        } finally {
            lock.unlock();
        }
    }

    /** Throws OVERLOADED when {@code items} more images would overfill the queue or wait over budget; lock held. */
    private void checkRoom(int items) {
        if (queuedImages + forming + items > settings.queueCapacity()) {
            throw new ServingException(ErrorKind.OVERLOADED, "model '" + model.info().name() + "' queue is full ("
                    + (queuedImages + forming) + " of " + settings.queueCapacity() + " images waiting)");
        }
        long expectedWait = settings.maxQueueWait().isZero() ? 0
                : waitEstimate.waitNanos(queuedImages + forming, running, runningImages);
        if (expectedWait > settings.maxQueueWait().toNanos()) {
            throw new ServingException(ErrorKind.OVERLOADED, "model '" + model.info().name() + "' is busy: "
                    + (queuedImages + forming) + " images waiting and " + runningImages + " running, about "
                    + String.format(Locale.ROOT, "%.1f", expectedWait / 1e6) + " ms before a new batch"
                    + " can start, more than its " + queueWaitBudget() + " queue-wait budget");
        }
    }

    /**
     * Stops accepting requests, lets the workers finish what is queued, and waits for them up to
     * {@code grace}; whatever is still queued then fails with UNAVAILABLE.
     */
    public void close(Duration grace) {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread worker : workers) {
            try {
                worker.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        lock.lock();
        try {
            Job job;
            while ((job = queue.pollFirst()) != null) {
                queuedImages -= job.items;
                job.future.completeExceptionally(new ServingException(ErrorKind.UNAVAILABLE,
                        "model '" + model.info().name() + "' shut down before the request ran"));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * A worker's loop. It survives whatever happens outside the ORT run as well as inside it: an
     * exception (a listener's, allocating or slicing a batch) fails that batch's callers and the
     * worker carries on; an interrupt (nothing here interrupts a worker: {@link #close} signals) is
     * logged and ignored. Only an {@link Error} stops it, after failing the batch: the batcher then
     * refuses requests, fails what is queued and reports why through {@link #failure()}.
     */
    private void work() {
        try {
            while (true) {
                List<Job> batch;
                gathering.lock();
                try {
                    batch = gather();
                } catch (InterruptedException e) {
                    LOG.log(Level.WARNING, "Batch worker of model " + model.info().name() + " was interrupted; it"
                            + " carries on");
                    continue;
                } finally {
                    gathering.unlock();
                }
                if (batch == null) {
                    return;
                }
                if (!batch.isEmpty()) {
                    int images = batch.stream().mapToInt(Job::items).sum();
                    try { // gather() counted it as running
                        runGuarded(batch);
                    } finally {
                        ranOut(images);
                    }
                }
            }
        } catch (Error e) {
            stop(e);
        }
    }

    private void runGuarded(List<Job> batch) {
        try {
            run(batch);
        } catch (Exception e) {
            fail(batch, internal(batch, e));
        } catch (Error e) {
            fail(batch, internal(batch, e));
            throw e;
        }
    }

    /** Reports an unexpected failure of a batch; returns what its callers are told (no detail of it). */
    private ServingException internal(List<Job> batch, Throwable e) {
        String reference = InternalErrors.newReference();
        LOG.log(Level.ERROR, "Batch of " + batch.stream().mapToInt(j -> j.items).sum() + " images failed on model "
                + model.info().name() + " (reference " + reference + ")", e);
        return new ServingException(ErrorKind.INTERNAL, "inference failed on model '" + model.info().name()
                + "' (reference " + reference + "; the server log has the details)");
    }

    private static void fail(List<Job> batch, ServingException failure) {
        batch.forEach(job -> job.future.completeExceptionally(failure));
    }

    /** A worker hit an Error: no more requests, the queued ones fail, and the model says why it is not ready. */
    private void stop(Error e) {
        String reference = InternalErrors.newReference();
        String reason = "its batch worker stopped on an unrecoverable error (reference " + reference
                + "; the server log has the details)";
        LOG.log(Level.ERROR, "Model " + model.info().name() + ": batch worker stopped (reference " + reference
                + "); the model is not ready any more", e);
        lock.lock();
        try {
            failure = reason;
            Job job;
            while ((job = queue.pollFirst()) != null) {
                queuedImages -= job.items;
                job.future.completeExceptionally(new ServingException(ErrorKind.UNAVAILABLE, "model '"
                        + model.info().name() + "' cannot run: " + reason));
            }
            notEmpty.signalAll(); // the other workers stop too
        } finally {
            lock.unlock();
        }
    }

    /** The budget as people write it: whole milliseconds, else microseconds or nanoseconds. */
    private String queueWaitBudget() {
        Duration budget = settings.maxQueueWait();
        long nanos = budget.toNanos();
        return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + " ms" : nanos % 1000 == 0 ? nanos / 1000 + " us" : nanos + " ns";
    }

    /** Counts a batch out of ORT; the last one out wakes a worker holding a forming batch for it. */
    private void ranOut(int images) {
        lock.lock();
        try {
            running--;
            runningImages -= images;
            if (running == 0 && settings.dispatch() == DispatchPolicy.WHEN_IDLE) {
                notEmpty.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The next batch; empty when everything dequeued had expired; null once closed and drained. */
    private List<Job> gather() throws InterruptedException {
        lock.lock();
        try {
            List<Job> batch = drain();
            if (batch != null && !batch.isEmpty()) {
                running++; // before the gathering lock goes, so the next gatherer sees the model busy
                runningImages += forming; // the batch's images, as drain() counted them
            }
            return batch;
        } finally {
            forming = 0;
            lock.unlock();
        }
    }

    /** Takes jobs off the queue into a batch; called with the lock held. */
    private List<Job> drain() throws InterruptedException {
        while (queue.isEmpty() || failure != null) {
            if (closed || failure != null) {
                return null;
            }
            notEmpty.await();
        }
        long flushAt = queue.peekFirst().enqueuedNanos + settings.maxQueueDelay().toNanos();
        List<Job> batch = new ArrayList<>();
        int images = 0;
        while (true) {
            Job next;
            while ((next = queue.peekFirst()) != null) {
                if (!batch.isEmpty() && images + next.items > settings.maxBatchSize()) {
                    return batch; // full: the next request starts the next batch
                }
                queue.pollFirst();
                queuedImages -= next.items;
                if (skip(next)) {
                    continue;
                }
                batch.add(next);
                images += next.items;
                forming += next.items;
                if (images >= settings.maxBatchSize()) {
                    return batch;
                }
            }
            long now = System.nanoTime();
            images -= prune(batch);
            if (batch.isEmpty() || flushAt - now <= 0 || closed) {
                return batch; // an empty batch (everyone gave up) makes the worker start over
            }
            if (running == 0 && settings.dispatch() == DispatchPolicy.WHEN_IDLE) {
                return batch; // the model is idle: waiting for companions would only add latency
            }
            long wakeAt = flushAt;
            for (Job job : batch) {
                wakeAt = Math.min(wakeAt, job.deadlineNanos); // wake to fail an expiring request on time
            }
            if (wakeAt - now > 0) {
                notEmpty.awaitNanos(wakeAt - now);
            }
        }
    }

    /** Drops from the forming batch the requests that were cancelled or expired; returns their images. */
    private int prune(List<Job> batch) {
        int removed = 0;
        for (var it = batch.iterator(); it.hasNext(); ) {
            Job job = it.next();
            if (skip(job)) {
                it.remove();
                forming -= job.items;
                removed += job.items;
            }
        }
        return removed;
    }

    /** Takes a request that failed or was cancelled out of the queue, if it is still there, and wakes the workers. */
    private void withdraw(Job job) {
        lock.lock();
        try {
            if (queue.removeFirstOccurrence(job)) {
                queuedImages -= job.items;
            }
            notEmpty.signalAll(); // a worker gathering a batch that holds it prunes it
        } finally {
            lock.unlock();
        }
    }

    /** Fails and drops a request that must not be computed. */
    private boolean skip(Job job) {
        if (job.future.isDone()) {
            return true; // cancelled by a caller that stopped waiting
        }
        if (System.nanoTime() - job.deadlineNanos >= 0) {
            job.future.completeExceptionally(new ServingException(ErrorKind.DEADLINE_EXCEEDED,
                    "request timed out after waiting " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - job.enqueuedNanos)
                            + " ms in the queue of model '" + model.info().name() + "'"));
            return true;
        }
        return false;
    }

    private void run(List<Job> batch) {
        int images = batch.stream().mapToInt(j -> j.items).sum();
        float[] input = new float[images * itemSize];
        int offset = 0;
        for (Job job : batch) {
            System.arraycopy(job.input, 0, input, offset, job.input.length);
            offset += job.input.length;
        }
        try {
            listener.batchStarting(images);
        } catch (InterruptedException e) {
            // nothing of ours interrupts a worker: fail this batch and carry on (see work())
            fail(batch, new ServingException(ErrorKind.UNAVAILABLE, "model '" + model.info().name()
                    + "': the batch was interrupted before it ran; retry"));
            return;
        }
        long start = System.nanoTime();
        Map<String, float[]> outputs;
        try (OnnxModel.Lease lease = model.acquire()) {
            outputs = lease.run(input, images); // checks that every output has exactly images × width values
        } catch (ServingException e) {
            fail(batch, e);
            return;
        } catch (OrtException e) {
            fail(batch, internal(batch, e));
            return;
        }
        long computeNanos = System.nanoTime() - start;
        waitEstimate.record(images, computeNanos);
        listener.batchRan(images, computeNanos);
        int row = 0;
        for (Job job : batch) {
            Map<String, float[]> own = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> output : outputs.entrySet()) {
                int width = output.getValue().length / images;
                own.put(output.getKey(), Arrays.copyOfRange(output.getValue(), row * width, (row + job.items) * width));
            }
            row += job.items;
            long queueNanos = start - job.enqueuedNanos;
            listener.requestDequeued(queueNanos);
            job.future.complete(new BatchResult(own, job.items, images, queueNanos, computeNanos));
        }
    }

    private record Job(float[] input, int items, long enqueuedNanos, long deadlineNanos,
                       CompletableFuture<BatchResult> future) {
    }
}
