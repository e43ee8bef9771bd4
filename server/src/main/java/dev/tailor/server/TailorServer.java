package dev.tailor.server;

import dev.tailor.server.serving.ModelRepository;
import dev.tailor.server.serving.RepositoryManager;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServer;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running server: the web server (HTTP and gRPC), the model repository and the manager that
 * loads it and follows the models folder, and the metrics registry. {@link #close()} shuts down
 * gracefully: readiness goes false and new requests are refused, queued requests finish, then the
 * listeners stop and the sessions close.
 */
public final class TailorServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TailorServer.class.getName());

    private final WebServer webServer;
    private final ModelRepository repository;
    private final RepositoryManager manager;
    private final MeterRegistry registry;
    private final Duration grace;
    private final AtomicBoolean closed = new AtomicBoolean();

    TailorServer(WebServer webServer, ModelRepository repository, RepositoryManager manager, MeterRegistry registry,
                 Duration grace) {
        this.webServer = webServer;
        this.repository = repository;
        this.manager = manager;
        this.registry = registry;
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

    /** Waits until the models found at start have loaded (or failed to); returns whether the server is ready. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return manager.awaitStartup(timeout);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.log(Level.INFO, "Shutting down: finishing queued requests (up to " + grace.toMillis() + " ms)");
        manager.close(grace); // refuses new work, drains the queues, then frees the sessions
        webServer.stop();
        // the registry is Helidon's global one: drop our meters rather than closing it
        registry.meters(m -> m.id().name().startsWith("tailor.")).forEach(registry::remove);
        LOG.log(Level.INFO, "Stopped");
    }
}
