package dev.tailor.server.serving;

import dev.tailor.server.batch.BatchListener;
import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.batch.DynamicBatcher;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.OnnxModel;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Brings one model at a time in line with its files: picks the files its version policy serves,
 * loads those that changed once they settled, switches each new instance in beside the one it
 * replaces, retires instances whose file was deleted or is no longer chosen, and records every
 * rejection in the model's status while the previous instance keeps serving. A retired instance
 * closes on a thread of its own when its last request leaves. Runs on the loader thread and owns
 * no thread: when it must look again later it says so through {@link LookAgain}. Owns every
 * instance it loaded until it is closed.
 */
final class ModelSync {
    /** Why a model unloaded through the repository API does not serve. */
    static final String UNLOADED_REASON = "unloaded through the repository API";
    private static final System.Logger LOG = System.getLogger(ModelSync.class.getName());

    private final ModelRepository repository;
    private final RepositorySettings settings;
    private final ModelLoader loader;
    private final ModelMetrics metrics;
    private final LookAgain lookAgain;
    private final StableFiles stable;
    // loader thread only: the stamp of the content last loaded or rejected, by file
    private final Map<String, FileStamp> handled = new HashMap<>();
    private final Set<ServedModel> open = ConcurrentHashMap.newKeySet(); // loaded and not closed yet
    private final ServingObserver observer;
    private boolean closed; // guarded by this

    /** How the caller is asked to look at the folder again. */
    interface LookAgain {
        /** Soon: something changed that the next look settles. */
        void soon();

        /** After {@code wait}: a file may have settled by then. */
        void in(Duration wait);
    }

    ModelSync(ModelRepository repository, RepositorySettings settings, ModelLoader loader, ModelMetrics metrics,
              ServingObserver observer, LookAgain lookAgain) {
        this.repository = repository;
        this.settings = settings;
        this.loader = loader;
        this.metrics = metrics;
        this.observer = observer;
        this.lookAgain = lookAgain;
        this.stable = new StableFiles(settings.settle());
    }

    /**
     * Brings one model in line with its files; returns the reasons of the files rejected now.
     *
     * @param files    the model's files in the folder (none: it was deleted)
     * @param problems entries of the folder that belong to the model but cannot serve
     * @param force    load even files that have not settled or were rejected before (the repository API's load)
     */
    List<String> sync(String name, List<ModelFile> files, List<ModelFolder.Problem> problems, boolean force) {
        ModelEntry entry = files.isEmpty() && problems.isEmpty() ? repository.get(name) : repository.getOrCreate(name);
        if (entry == null) {
            return List.of();
        }
        entry.onDisk(!files.isEmpty());
        Set<String> shown = show(entry, problems); // the files whose status stays
        List<String> errors = List.of();
        if (files.isEmpty()) {
            repository.release(name);
            for (ServedModel served : List.copyOf(entry.instances())) {
                retire(entry, served, "its file " + served.source().relative() + " was deleted", true);
            }
        } else if (entry.isUnloaded()) {
            for (ModelFile file : select(name, files)) {
                shown.add(file.relative());
                if (entry.status(file.relative()) == null) {
                    entry.status(new ModelStatus(name, file.servedVersion(), ModelState.UNLOADED, UNLOADED_REASON,
                            file.relative(), null, null));
                }
            }
        } else {
            errors = follow(entry, files, force, shown);
        }
        for (ModelStatus status : List.copyOf(entry.statuses())) {
            if (!shown.contains(status.file()) && status.state() != ModelState.DRAINING
                    && entry.servingFrom(status.file()) == null) {
                entry.removeStatus(status.file()); // its file is gone or no longer chosen
            }
        }
        if (entry.isEmpty() && !entry.isOnDisk()) {
            repository.remove(entry);
            metrics.forget(name);
            LOG.log(Level.INFO, "Model " + name + " is gone from the repository");
        }
        return errors;
    }

    /** Shows each problem as a failed status; returns their files. */
    private static Set<String> show(ModelEntry entry, List<ModelFolder.Problem> problems) {
        Set<String> files = new HashSet<>();
        for (ModelFolder.Problem problem : problems) {
            files.add(problem.relative());
            ModelStatus shown = entry.status(problem.relative());
            if (shown == null || shown.state() != ModelState.FAILED || !problem.reason().equals(shown.reason())) {
                entry.status(new ModelStatus(entry.name(), null, ModelState.FAILED, problem.reason(),
                        problem.relative(), null, null));
            }
        }
        return files;
    }

    /**
     * Loads the files the version policy chooses (the newest first: it serves by default), then
     * retires instances whose file was deleted, or which the policy no longer chooses once every
     * chosen file serves. Adds the files whose status stays to {@code shown}.
     */
    private List<String> follow(ModelEntry entry, List<ModelFile> files, boolean force, Set<String> shown) {
        String name = entry.name();
        VersionPolicy policy = settings.versionPolicy().apply(name);
        List<ModelFile> selected = select(name, files);
        if (selected.isEmpty()) {
            String folder = name + "/";
            shown.add(folder);
            entry.status(new ModelStatus(name, null, ModelState.FAILED, "version policy " + policy + " serves none of"
                    + " the versions in the folder " + files.stream().map(ModelFile::version).toList(), folder, null,
                    null));
        }
        List<String> errors = new ArrayList<>();
        for (ModelFile file : selected.reversed()) {
            shown.add(file.relative());
            String error = syncFile(entry, file, force);
            if (error != null) {
                errors.add(error);
            }
        }
        Set<String> onDisk = new HashSet<>(files.stream().map(ModelFile::relative).toList());
        Set<String> chosen = new HashSet<>(selected.stream().map(ModelFile::relative).toList());
        boolean chosenAllServe = chosen.stream().allMatch(f -> entry.servingFrom(f) != null);
        for (ServedModel served : List.copyOf(entry.instances())) {
            String file = served.source().relative();
            if (!onDisk.contains(file)) {
                retire(entry, served, "its file " + file + " was deleted", true);
            } else if (!chosen.contains(file) && chosenAllServe) {
                retire(entry, served, "version policy " + policy + " no longer serves it", true);
            }
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
                lookAgain.in(wait);
                return null;
            }
        }
        return load(entry, file, force);
    }

    private String load(ModelEntry entry, ModelFile file, boolean force) {
        String relative = file.relative();
        ServedModel current = entry.servingFrom(relative);
        long start = System.nanoTime();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file.path());
            if (bytes.length != file.stamp().size() || !FileStamp.of(file.path()).equals(file.stamp())) {
                lookAgain.in(settings.settle()); // written to while we read it
                return null;
            }
        } catch (NoSuchFileException e) {
            lookAgain.soon(); // gone meanwhile: the next look retires it
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
        if (current == null) {
            entry.status(new ModelStatus(entry.name(), file.servedVersion(), ModelState.LOADING, null, relative, null,
                    before));
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
        synchronized (this) { // against shutdown(): nothing is put in service once it has begun
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
                            + " outputs %s, %d labels, batch <= %d, queue delay %d us, queue %d images, wait budget %d ms"
                            + " (0 = off), %d concurrent batch(es), in %d ms", replaced.isEmpty() ? "Loaded" : "Switched to", info.name(),
                    info.version(), relative, sha256, size, info.provider(), info.input(), info.outputs(),
                    info.labels().size(), batching.maxBatchSize(), batching.maxQueueDelay().toNanos() / 1000,
                    batching.queueCapacity(), batching.maxQueueWait().toMillis(), batching.maxConcurrentBatches(),
                    loadTime.toMillis()));
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
    void retire(ModelEntry entry, ServedModel served, String reason, boolean detach) {
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
            lookAgain.soon(); // the loader drops what is left of the model
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

    /** Forgets what it knew of files no longer in the folder. */
    void forgetVanished(ModelFolder.Listing listing) {
        List<ModelFile> all = listing.models().values().stream().flatMap(List::stream).toList();
        stable.retain(all.stream().map(ModelFile::path).toList());
        handled.keySet().retainAll(all.stream().map(ModelFile::relative).toList());
    }

    /** Takes every instance of {@code entry} out of service and marks it unloaded until it is loaded again. */
    void unload(ModelEntry entry) {
        entry.unloaded(true);
        repository.release(entry.name());
        for (ServedModel served : List.copyOf(entry.instances())) {
            retire(entry, served, UNLOADED_REASON, true);
        }
        for (ModelStatus status : List.copyOf(entry.statuses())) {
            if (status.state() == ModelState.LOADING || status.state() == ModelState.FAILED) {
                entry.status(status.with(ModelState.UNLOADED, UNLOADED_REASON));
            }
        }
    }

    /**
     * Puts nothing more in service, retires every instance, waits until {@code deadline} (a
     * {@link System#nanoTime()} instant) for them to finish their requests, then closes what is left:
     * whatever is still queued then fails with UNAVAILABLE.
     */
    void shutdown(long deadline) {
        synchronized (this) {
            closed = true;
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
            LOG.log(Level.WARNING, "Requests still queued at the end of the shutdown grace; failing them");
        }
        for (ServedModel served : List.copyOf(open)) {
            served.close(Duration.ZERO); // fails what is still queued; the session closes when running batches end
            open.remove(served);
        }
        repository.entries().forEach(entry -> metrics.forget(entry.name()));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
