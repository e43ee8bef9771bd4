package dev.tailor.server.serving;

import ai.onnxruntime.OrtEnvironment;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.batch.BatchListener;
import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.batch.DynamicBatcher;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.SessionFactory;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Keeps what is served in line with the models folder, on one loader thread. It looks at the
 * folder at start, whenever the watcher reports a change, and every poll interval anyway; loads a
 * new or changed file once it has stopped changing, checks and warms it up beside the instance it
 * replaces, then switches lookups to it in one step; retires instances whose file was deleted; and
 * rejects a bad file with its reason in the model list while the previous instance keeps serving.
 * The repository API's load and unload run on the same thread, so nothing loads twice at once.
 * A failure in one pass is logged and the next pass runs: the watcher never dies. A retired
 * instance closes when its last request leaves, on a thread of its own, never blocking the loader.
 * Owns the loader and watcher threads and every instance it loaded.
 */
public final class RepositoryManager implements AutoCloseable {
    /** Why a model unloaded through the repository API does not serve. */
    static final String UNLOADED_REASON = "unloaded through the repository API";
    private static final System.Logger LOG = System.getLogger(RepositoryManager.class.getName());

    private final ModelRepository repository;
    private final RepositorySettings settings;
    private final ModelFolder folder;
    private final ModelLoader loader;
    private final ModelMetrics metrics;
    private final ServingObserver observer;
    private final StableFiles stable;
    private final ScheduledExecutorService thread;
    // loader thread only: the stamp of the content last loaded or rejected, by file
    private final Map<String, FileStamp> handled = new HashMap<>();
    private final Set<String> reported = new HashSet<>();
    private final Set<ServedModel> open = ConcurrentHashMap.newKeySet(); // loaded and not closed yet
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final CompletableFuture<Void> startup = new CompletableFuture<>();
    private volatile FolderWatcher watcher;
    private volatile boolean closed;
    private boolean firstPass = true;

    /** Loads into {@code repository}; nothing happens until {@link #start()}. */
    public RepositoryManager(ModelRepository repository, RepositorySettings settings, OrtEnvironment env,
                             SessionFactory sessions, ModelMetrics metrics, ServingObserver observer) {
        this.repository = repository;
        this.settings = settings;
        this.folder = new ModelFolder(settings.folder());
        this.loader = new ModelLoader(env, sessions, settings.warmupIterations(), observer);
        this.metrics = metrics;
        this.observer = observer;
        this.stable = new StableFiles(settings.settle());
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
            return syncModel(name, files, problemsOf(listing, name), true);
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
            entry.unloaded(true);
            repository.release(name);
            for (ServedModel served : List.copyOf(entry.instances())) {
                retire(entry, served, UNLOADED_REASON, true);
            }
            for (ModelStatus status : List.copyOf(entry.statuses())) {
                if (status.state() == ModelState.LOADING || status.state() == ModelState.FAILED) {
                    entry.status(status.with(ModelState.UNLOADED, UNLOADED_REASON));
                }
            }
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
            forgetVanished(listing);
            report(listing.problems());
            Set<String> names = new TreeSet<>(listing.models().keySet());
            names.addAll(repository.names());
            listing.problems().stream().map(ModelFolder.Problem::name).filter(n -> n != null).forEach(names::add);
            for (String name : names) {
                try {
                    syncModel(name, listing.models().getOrDefault(name, List.of()), problemsOf(listing, name), false);
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

    /**
     * Brings one model in line with its files; returns the reasons of the files rejected now.
     *
     * @param force load even files that have not settled or were rejected before (the repository API's load)
     */
    private List<String> syncModel(String name, List<ModelFile> files, List<ModelFolder.Problem> problems,
                                   boolean force) {
        ModelEntry entry = files.isEmpty() && problems.isEmpty() ? repository.get(name) : repository.getOrCreate(name);
        if (entry == null) {
            return List.of();
        }
        entry.onDisk(!files.isEmpty());
        Set<String> keep = new HashSet<>();
        for (ModelFolder.Problem problem : problems) {
            keep.add(problem.relative());
            ModelStatus shown = entry.status(problem.relative());
            if (shown == null || shown.state() != ModelState.FAILED || !problem.reason().equals(shown.reason())) {
                entry.status(new ModelStatus(name, null, ModelState.FAILED, problem.reason(), problem.relative(), null,
                        null));
            }
        }
        List<String> errors = new ArrayList<>();
        Set<String> onDisk = new HashSet<>(files.stream().map(ModelFile::relative).toList());
        if (files.isEmpty()) {
            repository.release(name);
            for (ServedModel served : List.copyOf(entry.instances())) {
                retire(entry, served, "its file " + served.source().relative() + " was deleted", true);
            }
        } else if (entry.isUnloaded()) {
            for (ModelFile file : select(name, files)) {
                keep.add(file.relative());
                if (entry.status(file.relative()) == null) {
                    entry.status(new ModelStatus(name, file.servedVersion(), ModelState.UNLOADED, UNLOADED_REASON,
                            file.relative(), null, null));
                }
            }
        } else {
            List<ModelFile> selected = select(name, files);
            String policyProblem = name + "/";
            if (selected.isEmpty()) {
                keep.add(policyProblem);
                entry.status(new ModelStatus(name, null, ModelState.FAILED, "version policy "
                        + settings.versionPolicy().apply(name) + " serves none of the versions in the folder "
                        + files.stream().map(ModelFile::version).toList(), policyProblem, null, null));
            }
            for (ModelFile file : selected.reversed()) { // the newest first: it is the one served by default
                keep.add(file.relative());
                String error = syncFile(entry, file, force);
                if (error != null) {
                    errors.add(error);
                }
            }
            Set<String> chosen = new HashSet<>(selected.stream().map(ModelFile::relative).toList());
            boolean chosenAllServe = chosen.stream().allMatch(f -> entry.servingFrom(f) != null);
            for (ServedModel served : List.copyOf(entry.instances())) {
                String file = served.source().relative();
                if (!onDisk.contains(file)) {
                    retire(entry, served, "its file " + file + " was deleted", true);
                } else if (!chosen.contains(file) && chosenAllServe) {
                    retire(entry, served, "version policy " + settings.versionPolicy().apply(name)
                            + " no longer serves it", true);
                }
            }
        }
        for (ModelStatus status : List.copyOf(entry.statuses())) {
            boolean current = keep.contains(status.file()) || status.state() == ModelState.DRAINING
                    || entry.servingFrom(status.file()) != null;
            if (!current) {
                entry.removeStatus(status.file());
            }
        }
        if (entry.isEmpty() && !entry.isOnDisk()) {
            repository.remove(entry);
            metrics.forget(name);
            LOG.log(Level.INFO, "Model " + name + " is gone from the repository");
        }
        return errors;
    }

    /** The files of a model its version policy serves, oldest first ({@code name.onnx} is always served). */
    private List<ModelFile> select(String name, List<ModelFile> files) {
        if (files.size() == 1 && files.getFirst().version() == null) {
            return files;
        }
        Set<Long> chosen = settings.versionPolicy().apply(name).select(files.stream().map(ModelFile::version).toList());
        return files.stream().filter(f -> chosen.contains(f.version())).toList();
    }

    /** Loads {@code file} if it changed and has settled; returns why it was rejected, or null. */
    private String syncFile(ModelEntry entry, ModelFile file, boolean force) {
        if (!force) {
            if (file.stamp().equals(handled.get(file.relative()))) {
                return null; // unchanged since it was loaded or rejected
            }
            Duration wait = stable.waitFor(file.path(), file.stamp(), Instant.now());
            if (wait != null) {
                if (entry.servingFrom(file.relative()) == null) {
                    entry.status(new ModelStatus(entry.name(), file.servedVersion(), ModelState.LOADING,
                            "waiting for the file to stop changing", file.relative(), null,
                            lastError(entry, file.relative())));
                }
                lookAgainIn(wait);
                return null;
            }
        }
        return load(entry, file, force);
    }

    private String load(ModelEntry entry, ModelFile file, boolean force) {
        String relative = file.relative();
        ServedModel current = entry.servingFrom(relative);
        if (current == null) {
            entry.status(new ModelStatus(entry.name(), file.servedVersion(), ModelState.LOADING, null, relative, null,
                    lastError(entry, relative)));
        }
        long start = System.nanoTime();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file.path());
            if (bytes.length != file.stamp().size() || !FileStamp.of(file.path()).equals(file.stamp())) {
                lookAgainIn(settings.settle()); // written to while we read it
                return null;
            }
        } catch (NoSuchFileException e) {
            requestPass(); // gone meanwhile: the next look retires it
            return null;
        } catch (IOException e) {
            return reject(entry, file, "", 0, "cannot be read: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            return reject(entry, file, "", file.stamp().size(), "too large to read into memory ("
                    + file.stamp().size() + " bytes)");
        }
        handled.put(relative, file.stamp());
        String sha256 = sha256(bytes);
        if (current != null && current.source().sha256().equals(sha256)) {
            // the same content again (touched, or copied over itself): an older rejection no longer applies
            entry.updateStatus(relative, s -> s.serving() == current
                    ? new ModelStatus(s.name(), s.version(), s.state(), s.reason(), relative, current, null) : s);
            return null;
        }
        ModelStatus.LoadError before = lastError(entry, relative);
        if (!force && before != null && before.sha256().equals(sha256)) {
            return null; // the same rejected bytes copied again
        }
        ModelInfo expected = current != null ? current.info() : entry.latest() != null ? entry.latest().info() : null;
        BatchSettings batching = settings.batching().apply(entry.name());
        OnnxModel model;
        try {
            model = loader.load(file, bytes, expected, batching.maxBatchSize());
        } catch (ModelLoader.Rejected e) {
            return reject(entry, file, sha256, bytes.length, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handled.remove(relative);
            return relative + ": interrupted, the server is shutting down";
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(Level.ERROR, "Loading " + relative + " failed", e);
            return reject(entry, file, sha256, bytes.length, "could not be loaded: " + e);
        }
        publish(entry, file, model, sha256, bytes.length, Duration.ofNanos(System.nanoTime() - start));
        return null;
    }

    /** Puts a checked, warm model in service in one step and retires what it replaces. */
    private void publish(ModelEntry entry, ModelFile file, OnnxModel model, String sha256, long size,
                         Duration loadTime) {
        ModelInfo info = model.info();
        String relative = file.relative();
        synchronized (this) { // against close(): nothing is put in service once shutdown has begun
            if (closed) {
                model.close();
                return;
            }
            Set<ServedModel> replaced = new LinkedHashSet<>();
            Stream.of(entry.servingFrom(relative), entry.version(info.version())).filter(s -> s != null)
                    .forEach(replaced::add);
            replaced.forEach(old -> metrics.detach(old.info())); // the new instance registers the same meters
            AtomicReference<DynamicBatcher> batcher = new AtomicReference<>();
            BatchListener listener = observed(info, metrics.attach(info, sha256,
                    () -> batcher.get() == null ? 0 : batcher.get().queuedImages()));
            BatchSettings batching = settings.batching().apply(info.name());
            batcher.set(new DynamicBatcher(model, batching, listener));
            ServedModel served = new ServedModel(model, batcher.get(), new ServedModel.Source(relative, sha256, size,
                    Instant.now(), loadTime));
            open.add(served);
            entry.put(served); // the switch: every lookup from now on gets the new instance
            entry.status(new ModelStatus(info.name(), info.version(), ModelState.READY, null, relative, served, null));
            for (ServedModel old : replaced) {
                retire(entry, old, "replaced by " + relative + " (sha256 " + sha256 + ")", false);
            }
            LOG.log(Level.INFO, String.format("%s model %s version %s from %s (sha256 %s, %d bytes) on %s: input %s,"
                            + " outputs %s, %d labels, batch <= %d, queue delay %d us, queue %d images, %d concurrent"
                            + " batch(es), in %d ms", replaced.isEmpty() ? "Loaded" : "Switched to", info.name(),
                    info.version(), relative, sha256, size, info.provider(), info.input(), info.outputs(),
                    info.labels().size(), batching.maxBatchSize(), batching.maxQueueDelay().toNanos() / 1000,
                    batching.queueCapacity(), batching.maxConcurrentBatches(), loadTime.toMillis()));
        }
    }

    private String reject(ModelEntry entry, ModelFile file, String sha256, long size, String reason) {
        String relative = file.relative();
        ModelStatus.LoadError error = new ModelStatus.LoadError(reason, sha256, size, Instant.now());
        ServedModel current = entry.servingFrom(relative);
        if (current != null) {
            entry.status(new ModelStatus(entry.name(), current.info().version(), ModelState.READY, null, relative,
                    current, error));
        } else {
            entry.status(new ModelStatus(entry.name(), file.servedVersion(), ModelState.FAILED, reason, relative, null,
                    error));
        }
        LOG.log(Level.WARNING, "Rejected " + relative + " (" + size + " bytes" + (sha256.isEmpty() ? "" : ", sha256 "
                + sha256) + "): " + reason + (current != null ? "; version " + current.info().version() + " (sha256 "
                + current.source().sha256() + ") keeps serving" : ""));
        return relative + ": " + reason;
    }

    /**
     * Takes {@code served} out of service: lookups no longer find it, the requests it holds finish,
     * then it closes on a thread of its own.
     *
     * @param detach whether to remove its meters now (not when a new instance has just taken them over)
     */
    private void retire(ModelEntry entry, ServedModel served, String reason, boolean detach) {
        entry.remove(served);
        String relative = served.source().relative();
        entry.updateStatus(relative, s -> s.serving() == served
                ? new ModelStatus(s.name(), s.version(), ModelState.DRAINING, reason, relative, served, s.lastError())
                : s);
        if (detach) {
            metrics.detach(served.info());
        }
        LOG.log(Level.INFO, "Retiring model " + served.info().name() + " version " + served.info().version() + " ("
                + relative + "): " + reason + "; it finishes the requests it holds, then unloads");
        served.retire(() -> Thread.ofVirtual().name("model-closer").start(() -> finish(entry, served)));
    }

    /** Closes a retired instance once its last request has left. */
    private void finish(ModelEntry entry, ServedModel served) {
        try {
            served.close(settings.drainGrace());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Closing model " + served.info().name() + " failed: " + e, e);
        } finally {
            open.remove(served);
        }
        String relative = served.source().relative();
        entry.updateStatus(relative, s -> {
            if (s.serving() != served) {
                return s; // the file has a newer status
            }
            return entry.isUnloaded() && entry.isOnDisk() ? new ModelStatus(s.name(), s.version(), ModelState.UNLOADED,
                    UNLOADED_REASON, relative, null, s.lastError()) : null;
        });
        LOG.log(Level.INFO, "Unloaded model " + served.info().name() + " version " + served.info().version() + " ("
                + relative + ", sha256 " + served.source().sha256() + ")");
        if (entry.isEmpty()) {
            requestPass(); // the loader drops what is left of the model
        }
    }

    private BatchListener observed(ModelInfo info, BatchListener meters) {
        return new BatchListener() {
            @Override
            public void batchStarting(int images) throws InterruptedException {
                observer.batchStarting(info.name(), info.version(), images);
            }

            @Override
            public void batchRan(int images, long computeNanos) {
                meters.batchRan(images, computeNanos);
            }

            @Override
            public void requestDequeued(long queueNanos) {
                meters.requestDequeued(queueNanos);
            }
        };
    }

    private static ModelStatus.LoadError lastError(ModelEntry entry, String relative) {
        ModelStatus status = entry.status(relative);
        return status == null ? null : status.lastError();
    }

    private static List<ModelFolder.Problem> problemsOf(ModelFolder.Listing listing, String name) {
        return listing.problems().stream().filter(p -> name.equals(p.name())).toList();
    }

    private void forgetVanished(ModelFolder.Listing listing) {
        List<ModelFile> all = listing.models().values().stream().flatMap(List::stream).toList();
        stable.retain(all.stream().map(ModelFile::path).toList());
        handled.keySet().retainAll(all.stream().map(ModelFile::relative).toList());
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

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
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
        repository.closing();
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
        synchronized (this) {
            for (ModelEntry entry : repository.entries()) {
                for (ServedModel served : List.copyOf(entry.instances())) {
                    retire(entry, served, "the server is shutting down", true);
                }
            }
        }
        try {
            CompletableFuture.allOf(open.stream().map(ServedModel::closed).toArray(CompletableFuture[]::new))
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "Requests still queued after " + grace.toMillis() + " ms; failing them");
        }
        for (ServedModel served : List.copyOf(open)) {
            served.close(Duration.ZERO); // fails what is still queued; the session closes when running batches end
            open.remove(served);
        }
        repository.entries().forEach(entry -> metrics.forget(entry.name()));
    }

    @Override
    public void close() {
        close(settings.drainGrace());
    }
}
