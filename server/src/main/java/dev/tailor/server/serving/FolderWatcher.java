package dev.tailor.server.serving;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells its listener, from its own thread, that something changed in the watched folders; what
 * changed is for the listener to find out by looking (watch events can be lost or overflow, so
 * they are only ever a hint, and the repository manager also looks periodically). Owns the watch
 * service and its thread.
 */
final class FolderWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FolderWatcher.class.getName());

    private final WatchService service;
    private final Runnable onChange;
    private final Map<Path, WatchKey> watched = new ConcurrentHashMap<>();
    private final Thread thread;

    /** Starts watching nothing yet; {@link #watch} adds folders. */
    FolderWatcher(Runnable onChange) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.onChange = onChange;
        this.thread = Thread.ofPlatform().daemon().name("model-watcher").start(this::run);
    }

    /** Adds the folders not watched yet; a folder that vanished meanwhile is skipped (the next look sees it gone). */
    void watch(Collection<Path> folders) {
        watched.entrySet().removeIf(e -> !e.getValue().isValid());
        for (Path folder : folders) {
            if (!watched.containsKey(folder)) {
                try {
                    watched.put(folder, folder.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY));
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, () -> "Cannot watch " + folder + ": " + e);
                }
            }
        }
    }

    private void run() {
        while (true) {
            try {
                WatchKey key = service.take();
                key.pollEvents();
                key.reset();
                onChange.run();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Watching the models folder: " + e, e); // the periodic look still runs
            }
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "Closing the watch service: " + e);
        }
        thread.interrupt();
    }
}
