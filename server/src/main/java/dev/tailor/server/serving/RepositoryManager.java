package dev.tailor.server.serving;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.model.SessionFactory;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps what is served in line with the models folder, on one loader thread: looks at the folder
 * at start, whenever the watcher reports a change, every poll interval anyway, and when a file may
 * have settled, and hands each model to {@link ModelSync}, which loads, switches and retires. The
 * repository API's load and unload run on the same thread, so nothing loads twice at once. A
 * failure in one pass is logged and the next pass runs: the watcher never dies. Owns the loader and
 * watcher threads; decides when startup is over.
 */
public final class RepositoryManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RepositoryManager.class.getName());

    private final ModelRepository repository;
    private final RepositorySettings settings;
    private final ModelFolder folder;
    private final ModelSync sync;
    private final ServingObserver observer;
    private final ScheduledExecutorService thread;
    private final Set<String> reported = new HashSet<>(); // loader thread only
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final CompletableFuture<Void> startup = new CompletableFuture<>();
    private volatile FolderWatcher watcher;
    private volatile boolean closed;
    private boolean firstPass = true;

    /** Loads into {@code repository}; nothing happens until {@link #start()}. */
    public RepositoryManager(ModelRepository repository, RepositorySettings settings, SessionFactory sessions,
                             ModelMetrics metrics, ServingObserver observer) {
        this.repository = repository;
        this.settings = settings;
        this.folder = new ModelFolder(settings.folder());
        this.observer = observer;
        this.sync = new ModelSync(repository, settings, new ModelLoader(sessions, settings.warmupIterations(),
                observer), metrics, observer, new ModelSync.LookAgain() {
            @Override
            public void soon() {
                requestPass();
            }

            @Override
            public void in(Duration wait) {
                lookAgainIn(wait);
            }
        });
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("model-loader")
                .unstarted(r));
    }

    /** Loads the folder's models on the loader thread, then follows the folder. Returns at once. */
    public void start() {
        if (settings.watch()) {
            try {
                watcher = new FolderWatcher(this::requestPass);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.log(Level.WARNING, "Cannot watch " + settings.folder().toAbsolutePath() + " (" + e
                        + "); looking for changes every " + settings.pollInterval().toMillis() + " ms only");
            }
        }
        requestPass();
        long poll = settings.pollInterval().toMillis();
        thread.scheduleWithFixedDelay(this::requestPass, poll, poll, TimeUnit.MILLISECONDS);
    }

    /** Waits until the models found at start have loaded (or failed); returns whether the server is ready. */
    public boolean awaitStartup(Duration timeout) throws InterruptedException {
        try {
            startup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
        return repository.isReady();
    }

    /** Asks for a look at the folder soon; requests made while one is queued are one look. */
    public void requestPass() {
        if (!closed && passQueued.compareAndSet(false, true)) {
            try {
                thread.execute(this::pass);
            } catch (RejectedExecutionException e) {
                passQueued.set(false); // shutting down
            }
        }
    }

    /**
     * Loads (or reloads) {@code name} from the folder now, even if it was unloaded, and waits for
     * the outcome: files whose content is already serving are left as they are.
     *
     * @throws ServingException BAD_REQUEST for an invalid name or a rejected file (with why),
     *                          NOT_FOUND when the folder has no such model, UNAVAILABLE on shutdown
     */
    public void load(String name) {
        ModelNames.check(name);
        List<String> errors = onLoaderThread(() -> {
            ModelFolder.Listing listing = folder.list();
            List<ModelFile> files = listing.models().get(name);
            if (files == null) {
                throw ServingException.notFound("no model '" + name + "' in the models folder: expected " + name
                        + ".onnx or " + name + "/<version>/" + ModelFolder.VERSION_FILE);
            }
            ModelEntry entry = repository.getOrCreate(name);
            entry.unloaded(false);
            for (ModelStatus status : List.copyOf(entry.statuses())) {
                if (status.state() == ModelState.UNLOADED) {
                    entry.removeStatus(status.file());
                }
            }
            return sync.sync(name, files, problemsOf(listing, name), true);
        });
        if (!errors.isEmpty()) {
            List<String> serving = repository.versions(name);
            throw ServingException.badRequest("failed to load '" + name + "': " + String.join("; ", errors)
                    + (serving.isEmpty() ? "" : "; still serving version(s) " + serving));
        }
        if (!repository.isReady(name, "")) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "model '" + name + "' did not start serving: "
                    + repository.statuses(name).stream().map(s -> s.file() + " " + s.state().label()
                    + (s.reason() != null ? " (" + s.reason() + ")" : "")).toList());
        }
    }

    /**
     * Stops serving {@code name}: new requests are refused at once, the ones it holds finish, then
     * it unloads. It stays unloaded, whatever happens to its files, until {@link #load}.
     *
     * @throws ServingException BAD_REQUEST for an invalid name, NOT_FOUND for an unknown model
     */
    public void unload(String name) {
        ModelNames.check(name);
        onLoaderThread(() -> {
            ModelEntry entry = repository.get(name);
            if (entry == null || (!entry.isOnDisk() && entry.latest() == null)) {
                throw ServingException.notFound("unknown model '" + name + "'");
            }
            sync.unload(entry);
            LOG.log(Level.INFO, "Unloading model " + name + " through the repository API");
            return null;
        });
    }

    private <T> T onLoaderThread(Callable<T> task) {
        if (closed) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "the server is shutting down");
        }
        try {
            return thread.submit(task).get();
        } catch (RejectedExecutionException e) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "the server is shutting down");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingException(ErrorKind.UNAVAILABLE, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServingException serving) {
                throw serving;
            }
            LOG.log(Level.ERROR, "Repository operation failed", e.getCause());
            throw new ServingException(ErrorKind.INTERNAL, "repository operation failed: " + e.getCause());
        }
    }

    // ---- one look at the folder, on the loader thread ----

    private void pass() {
        passQueued.set(false);
        if (closed) {
            return;
        }
        try {
            ModelFolder.Listing listing = folder.list();
            FolderWatcher w = watcher;
            if (w != null) {
                w.watch(listing.folders());
            }
            if (firstPass) {
                firstPass = false;
                repository.require(listing.models().keySet());
                if (listing.models().isEmpty()) {
                    LOG.log(Level.ERROR, "No models in " + settings.folder().toAbsolutePath() + " (expected name.onnx or"
                            + " name/<version>/model.onnx); the server is not ready until one loads");
                }
            }
            sync.forgetVanished(listing);
            report(listing.problems());
            Set<String> names = new TreeSet<>(listing.models().keySet());
            names.addAll(repository.names());
            listing.problems().stream().map(ModelFolder.Problem::name).filter(n -> n != null).forEach(names::add);
            for (String name : names) {
                try {
                    sync.sync(name, listing.models().getOrDefault(name, List.of()), problemsOf(listing, name), false);
                } catch (RuntimeException | LinkageError e) {
                    LOG.log(Level.ERROR, "Could not bring model " + name + " up to date; it stays as it was", e);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Cannot read the models folder " + settings.folder().toAbsolutePath() + ": " + e
                    + "; serving what is loaded, looking again in " + settings.pollInterval().toMillis() + " ms");
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.ERROR, "Looking at the models folder failed; looking again later", e);
        }
        settleStartup();
        observer.synced();
    }

    private static List<ModelFolder.Problem> problemsOf(ModelFolder.Listing listing, String name) {
        return listing.problems().stream().filter(p -> name.equals(p.name())).toList();
    }

    private void report(List<ModelFolder.Problem> problems) {
        Set<String> now = new HashSet<>();
        for (ModelFolder.Problem problem : problems) {
            String line = problem.relative() + ": " + problem.reason();
            now.add(line);
            if (reported.add(line)) {
                LOG.log(Level.WARNING, "Not serving " + line);
            }
        }
        reported.retainAll(now);
    }

    private void lookAgainIn(Duration wait) {
        try {
            thread.schedule(this::requestPass, Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Startup is over once no file of the models is waiting to settle or loading. */
    private void settleStartup() {
        if (startup.isDone()) {
            return;
        }
        boolean pending = repository.entries().stream().flatMap(e -> e.statuses().stream())
                .anyMatch(s -> s.state() == ModelState.LOADING);
        if (pending) {
            return;
        }
        repository.started();
        startup.complete(null);
        if (repository.isReady()) {
            LOG.log(Level.INFO, "Ready: " + repository.models().size() + " model version(s) loaded from "
                    + settings.folder().toAbsolutePath());
        } else {
            LOG.log(Level.ERROR, "Not ready: model(s) " + repository.notReady() + " do not serve; see GET /v1/models");
        }
    }

    /**
     * Stops following the folder, refuses new requests, lets every model finish the requests it
     * holds (up to {@code grace}), then closes them; what is still queued after that fails with
     * UNAVAILABLE.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        repository.closing(); // lookups answer UNAVAILABLE from now on
        FolderWatcher w = watcher;
        if (w != null) {
            w.close();
        }
        thread.shutdownNow(); // interrupts a warm-up; a load in ONNX Runtime finishes and is then closed unused
        try {
            if (!thread.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.log(Level.WARNING, "The model loader is still busy; shutting down without it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sync.shutdown(deadline);
    }

    @Override
    public void close() {
        close(settings.drainGrace());
    }
}
