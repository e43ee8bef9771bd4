package dev.tailor.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many inference, classify and metadata requests the whole server holds at once, over REST and
 * gRPC together ({@code tailor.max-concurrent-requests}). A request takes a {@link Permit} before its
 * body is read and returns it with its answer; past the limit it is refused at once (503 with
 * {@code Retry-After} / RESOURCE_EXHAUSTED), never queued, so that clients which open many
 * connections or streams cannot hold every body buffer and thread. Health, metrics and the
 * repository API do not count.
 */
public final class InFlightLimit {
    private final int limit;
    private final Semaphore permits;

    /** At most {@code limit} requests at once. */
    public InFlightLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("tailor.max-concurrent-requests must be >= 1, got " + limit);
        }
        this.limit = limit;
        this.permits = new Semaphore(limit);
    }

    /**
     * A permit for one request; close it when the request has its answer.
     *
     * @throws ServingException OVERLOADED when {@code limit} requests are in flight already
     */
    public Permit acquire() {
        if (!permits.tryAcquire()) {
            throw new ServingException(ErrorKind.OVERLOADED, "the server holds " + limit + " requests already"
                    + " (tailor.max-concurrent-requests); retry later");
        }
        return new Permit();
    }

    /** Requests in flight now. */
    public int inFlight() {
        return limit - permits.availablePermits();
    }

    /** One request's place; closing it more than once returns it once. */
    public final class Permit implements AutoCloseable {
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit() {
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        }
    }
}
