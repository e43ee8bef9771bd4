package dev.tailor.server;

import dev.tailor.server.serving.ModelRepository;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServer;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running server: the web server (HTTP and gRPC), the model repository loading behind it, and
 * the metrics registry. {@link #close()} shuts down gracefully: readiness goes false and new
 * requests are refused, queued requests finish, then the listeners stop and the sessions close.
 */
public final class TailorServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TailorServer.class.getName());

    private final WebServer webServer;
    private final ModelRepository repository;
    private final MeterRegistry registry;
    private final Thread loader;
    private final Duration grace;
    private final AtomicBoolean closed = new AtomicBoolean();

    TailorServer(WebServer webServer, ModelRepository repository, MeterRegistry registry, Thread loader,
                 Duration grace) {
        this.webServer = webServer;
        this.repository = repository;
        this.registry = registry;
        this.loader = loader;
        this.grace = grace;
    }

    /** The main port (HTTP and gRPC). */
    public int port() {
        return webServer.port();
    }

    /** The port of a named socket (e.g. {@code grpc}), or -1 when there is none. */
    public int port(String socket) {
        return webServer.port(socket);
    }

    /** The models being served. */
    public ModelRepository repository() {
        return repository;
    }

    /** This server's meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Waits until model loading has finished; returns whether the server is ready. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        loader.join(timeout);
        return repository.isReady();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.log(Level.INFO, "Shutting down: finishing queued requests (up to " + grace.toMillis() + " ms)");
        loader.interrupt();
        try {
            loader.join(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        repository.close(grace); // refuses new work, drains the queues, then frees the sessions
        webServer.stop();
        // the registry is Helidon's global one: drop our meters rather than closing it
        registry.meters(m -> m.id().name().startsWith("tailor.")).forEach(registry::remove);
        LOG.log(Level.INFO, "Stopped");
    }
}
