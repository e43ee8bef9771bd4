package dev.tailor.server;

import java.util.logging.LogManager;

/**
 * The JDK's log manager, minus one thing: it does not close its handlers when the JVM starts
 * shutting down. The JDK registers a shutdown hook that does, and shutdown hooks run in no set
 * order, so without this the server's own hook (drain the queues, close the sessions) would run
 * with logging already switched off and an operator would never see "Shutting down" or "Stopped".
 * Installed by {@link ServerMain} through {@code java.util.logging.manager} before any logger exists;
 * the console handler flushes every record, so nothing is lost at exit.
 */
public final class ShutdownSafeLogManager extends LogManager {
    /** The system property that selects the log manager class. */
    static final String PROPERTY = "java.util.logging.manager";

    /** Instantiated by the JDK. */
    public ShutdownSafeLogManager() {
        super();
    }

    @Override
    public void reset() {
        // called by the JDK's shutdown hook (and by readConfiguration before it reads): skip only the former
        if (!shuttingDown()) {
            super.reset();
        }
    }

    private static boolean shuttingDown() {
        try {
            Thread probe = new Thread(() -> { });
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true; // hooks cannot be added once shutdown has begun
        }
    }
}
