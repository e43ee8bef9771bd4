package dev.tailor.server.serving;

import ai.onnxruntime.OrtEnvironment;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.SessionFactory;
import dev.tailor.server.batch.BatchListener;
import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.batch.DynamicBatcher;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * The models the server serves, by name: loads every {@code .onnx} file of a folder, warms each up,
 * puts a {@link DynamicBatcher} in front of it, and only then reports ready. Entries are replaced
 * as a whole, and {@link OnnxModel} is reference counted, so a later directory watch can swap a
 * model under load by publishing the new entry and closing the old one. Owns the models and their
 * batchers; closing it drains the batchers, then releases the sessions.
 */
public final class ModelRepository implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelRepository.class.getName());

    private final Path folder;
    private final OrtEnvironment env;
    private final SessionFactory sessions;
    private final Function<String, BatchSettings> batchSettings;
    private final BiFunction<ModelInfo, IntSupplier, BatchListener> listeners;
    private final int warmupIterations;
    private final ServingObserver observer;
    private final Map<String, ServedModel> models = new ConcurrentSkipListMap<>();
    private volatile boolean ready;
    private volatile boolean closed;

    /**
     * @param folder           where the {@code .onnx} files are
     * @param batchSettings    batching settings by model name
     * @param listeners        the batch listener (metrics) for a model, given its queue depth
     * @param warmupIterations how many batches of each size (1 and max-batch-size) to run before ready
     * @param observer         hears warm-ups and batches ({@link ServingObserver#NONE} outside tests)
     */
    public ModelRepository(Path folder, OrtEnvironment env, SessionFactory sessions,
                           Function<String, BatchSettings> batchSettings,
                           BiFunction<ModelInfo, IntSupplier, BatchListener> listeners, int warmupIterations,
                           ServingObserver observer) {
        this.folder = folder;
        this.env = env;
        this.sessions = sessions;
        this.batchSettings = batchSettings;
        this.listeners = listeners;
        this.warmupIterations = warmupIterations;
        this.observer = observer;
    }

    /**
     * Loads and warms every model in the folder, then marks the repository ready if at least one
     * model loaded. A file that fails to load is logged and skipped: one bad file should not keep
     * the others from serving.
     */
    public void loadAll() {
        List<Path> files;
        try (Stream<Path> listing = Files.list(folder)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "Cannot list models folder " + folder.toAbsolutePath() + ": " + e);
            return;
        }
        if (files.isEmpty()) {
            LOG.log(Level.ERROR, "No .onnx models in " + folder.toAbsolutePath() + "; the server will never be ready");
        }
        for (Path file : files) {
            if (closed) {
                return;
            }
            try {
                load(file);
            } catch (Exception e) {
                LOG.log(Level.ERROR, "Skipping model " + file + ": " + e.getMessage(), e);
            }
        }
        ready = !models.isEmpty() && !closed;
        if (ready) {
            LOG.log(Level.INFO, "Ready: " + models.size() + " model(s) loaded from " + folder.toAbsolutePath());
        }
    }

    private void load(Path file) throws Exception {
        long start = System.nanoTime();
        OnnxModel model = OnnxModel.load(env, sessions, file);
        ModelInfo info = model.info();
        BatchSettings settings = batchSettings.apply(info.name());
        try {
            warmUp(model, settings.maxBatchSize());
        } catch (Exception e) {
            model.close();
            throw e;
        }
        // the gauge reads whichever batcher is current under this name, so it survives a model swap
        BatchListener listener = observed(info.name(), listeners.apply(info,
                () -> get(info.name()).map(served -> served.batcher().queuedImages()).orElse(0)));
        DynamicBatcher batcher = new DynamicBatcher(model, settings, listener);
        ServedModel previous = models.put(info.name(), new ServedModel(model, batcher));
        if (previous != null) {
            retire(previous, Duration.ofSeconds(30));
        }
        LOG.log(Level.INFO, String.format("Loaded model %s version %s from %s on %s: input %s, outputs %s, %d labels,"
                        + " batch <= %d, queue delay %d us, queue %d images, %d concurrent batch(es), in %d ms",
                info.name(), info.version(), file, info.provider(), info.input(), info.outputs(), info.labels().size(),
                settings.maxBatchSize(), settings.maxQueueDelay().toNanos() / 1000, settings.queueCapacity(),
                settings.maxConcurrentBatches(), (System.nanoTime() - start) / 1_000_000));
    }

    /** The metrics listener, with the observer hearing each batch before it runs. */
    private BatchListener observed(String model, BatchListener metrics) {
        return new BatchListener() {
            @Override
            public void batchStarting(int images) throws InterruptedException {
                observer.batchStarting(model, images);
            }

            @Override
            public void batchRan(int images, long computeNanos) {
                metrics.batchRan(images, computeNanos);
            }

            @Override
            public void requestDequeued(long queueNanos) {
                metrics.requestDequeued(queueNanos);
            }
        };
    }

    private void warmUp(OnnxModel model, int maxBatchSize) throws Exception {
        observer.warmingUp(model.info().name());
        int itemSize = model.info().input().itemSize();
        try (OnnxModel.Lease lease = model.acquire()) {
            for (int i = 0; i < warmupIterations; i++) {
                lease.run(new float[itemSize], 1);
                lease.run(new float[itemSize * maxBatchSize], maxBatchSize);
            }
        }
    }

    /** The model served under {@code name}. */
    public Optional<ServedModel> get(String name) {
        return Optional.ofNullable(models.get(name));
    }

    /** Every served model, by name. */
    public Collection<ServedModel> models() {
        return models.values();
    }

    /** True once every model is loaded and warm, until shutdown starts. */
    public boolean isReady() {
        return ready && !closed;
    }

    /** Stops accepting work, finishes what is queued (up to {@code grace}), closes the sessions. */
    public void close(Duration grace) {
        closed = true;
        ready = false;
        for (ServedModel served : models.values()) {
            retire(served, grace);
        }
        models.clear();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    private static void retire(ServedModel served, Duration grace) {
        served.batcher().close(grace);
        served.model().close(); // frees the session once the last in-flight run returns its lease
    }
}
