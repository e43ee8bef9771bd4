package dev.tailor.server.infer;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.batch.BatchResult;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.TensorSpec;
import dev.tailor.server.serving.ModelRepository;
import dev.tailor.server.serving.ServedModel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The protocol-neutral core both REST and gRPC call: finds the model, checks a request against
 * the model's declared input (name, datatype, rank, dimensions, element count) before it may
 * enter a batch, waits for the batcher within the request's timeout, and shapes the outputs
 * (tensors or top-K). Blocking: callers run on virtual threads.
 */
public final class Inference {
    /** The longest a request may ask to wait: a longer REST timeout is refused, a longer gRPC deadline shortened. */
    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    private final ModelRepository repository;
    private final Duration defaultTimeout;
    private final EnsembleInference ensemble; // null: none configured

    /** Requests without their own timeout get {@code defaultTimeout}. */
    public Inference(ModelRepository repository, Duration defaultTimeout) {
        this(repository, defaultTimeout, null);
    }

    /** As {@link #Inference(ModelRepository, Duration)}, also serving {@code ensemble} (null: none). */
    public Inference(ModelRepository repository, Duration defaultTimeout, Ensemble ensemble) {
        this.repository = repository;
        this.defaultTimeout = defaultTimeout;
        this.ensemble = ensemble == null ? null : new EnsembleInference(ensemble, repository);
    }

    /** The ensemble served, if one is configured. */
    public Optional<Ensemble> ensemble() {
        return Optional.ofNullable(ensemble).map(EnsembleInference::definition);
    }

    /** Whether {@code name} is a model of the repository (serving or not) or the ensemble: metrics label by such names only. */
    public boolean knows(String name) {
        return repository.knows(name) || isEnsemble(name);
    }

    /** Whether {@code name} is the configured ensemble's. */
    public boolean isEnsemble(String name) {
        return ensemble != null && ensemble.name().equals(name);
    }

    /**
     * What the model or ensemble called {@code name} is, in {@code version} if that is not empty:
     * for metadata and the checks made before a request's body is read.
     *
     * @throws ServingException NOT_FOUND, or UNAVAILABLE when it (or an ensemble's member) is not ready
     */
    public ModelInfo describe(String name, String version) {
        if (isEnsemble(name)) {
            checkEnsembleVersion(version);
            return ensemble.info();
        }
        return repository.find(name, version).info();
    }

    /**
     * The check a handler makes before it reads a request body: the model (or ensemble) exists and is
     * ready, and its batcher (each member's) has room for one more image now, so an overloaded server
     * refuses without reading and parsing what it refuses.
     *
     * @throws ServingException NOT_FOUND, UNAVAILABLE, or OVERLOADED
     */
    public void checkAdmission(String name, String version) {
        if (isEnsemble(name)) {
            describe(name, version);
            ensemble.checkAdmission();
        } else {
            repository.find(name, version).batcher().checkAdmission(1); // find: NOT_FOUND or UNAVAILABLE first
        }
    }

    /**
     * Whether {@code name} serves {@code version} (the latest when empty) now; an ensemble when all its
     * members serve.
     *
     * @throws ServingException NOT_FOUND for an unknown model or version
     */
    public boolean isReady(String name, String version) {
        if (isEnsemble(name)) {
            checkEnsembleVersion(version);
            return ensemble.isReady();
        }
        return repository.isReady(name, version);
    }

    /**
     * The most images one request to {@code name} may carry: the queue capacity of the model's latest
     * version, or the smallest of an ensemble's members'.
     */
    public int maxImagesPerRequest(String name) {
        return isEnsemble(name) ? ensemble.queueCapacity() : repository.find(name, "").batcher().settings().queueCapacity();
    }

    private void checkEnsembleVersion(String version) {
        if (version != null && !version.isEmpty() && !version.equals(Ensemble.VERSION)) {
            throw ServingException.notFound("ensemble '" + ensemble.name() + "' has only version " + Ensemble.VERSION
                    + " (its members serve their latest versions)");
        }
    }

    /** The repository served. */
    public ModelRepository repository() {
        return repository;
    }

    /**
     * The model called {@code name}, in {@code version} if that is not empty (else its latest), for
     * metadata and early checks; running it goes through {@link #infer} or {@link #classify}.
     *
     * @throws ServingException NOT_FOUND, or UNAVAILABLE when it is not ready
     */
    public ServedModel model(String name, String version) {
        return repository.find(name, version);
    }

    /**
     * Runs an Open Inference Protocol request on the model version it names (or the latest). The
     * model is held from lookup to answer, so a swap meanwhile never fails the request.
     */
    public InferResponse infer(InferRequest request) {
        if (isEnsemble(request.model())) {
            checkEnsembleVersion(request.version());
            Duration wait = wait(request.timeout());
            return ensemble.infer(request, System.nanoTime() + wait.toNanos(), wait);
        }
        try (ServedModel.Use use = repository.acquire(request.model(), request.version())) {
            ModelInfo info = use.info();
            TensorInput input = singleInput(info, request);
            int items = checkInput(info.input(), input);
            List<OutputRequest> wanted = wantedOutputs(info, request);
            BatchResult result = run(use.served(), input.data(), items, request.timeout());
            return respond(info, request, wanted, items, result.outputs());
        }
    }

    /** The request's one input. */
    static TensorInput singleInput(ModelInfo info, InferRequest request) {
        if (request.inputs().size() != 1) {
            throw ServingException.badRequest("model '" + info.name() + "' takes exactly one input ('"
                    + info.input().name() + "'), got " + request.inputs().size());
        }
        return request.inputs().getFirst();
    }

    /** The outputs the request asks for (all when it names none), each checked against the model's. */
    static List<OutputRequest> wantedOutputs(ModelInfo info, InferRequest request) {
        List<OutputRequest> wanted = request.outputs().isEmpty()
                ? info.outputs().stream().map(o -> new OutputRequest(o.name(), 0)).toList()
                : request.outputs();
        for (OutputRequest out : wanted) {
            TensorSpec spec = info.output(out.name()).orElseThrow(() -> ServingException.badRequest(
                    "model '" + info.name() + "' has no output '" + out.name() + "'; outputs: "
                            + info.outputs().stream().map(TensorSpec::name).toList()));
            int classes = spec.itemSize();
            if (out.classification() < 0 || out.classification() > classes) {
                throw ServingException.badRequest("classification must be between 1 and " + classes
                        + " for output '" + out.name() + "', got " + out.classification());
            }
        }
        return wanted;
    }

    /** Shapes {@code values} (per output, {@code items} rows) as the request asked: tensors or top-K strings. */
    static InferResponse respond(ModelInfo info, InferRequest request, List<OutputRequest> wanted, int items,
                                 java.util.Map<String, float[]> values) {
        List<TensorOutput> outputs = new ArrayList<>();
        for (OutputRequest out : wanted) {
            TensorSpec spec = info.output(out.name()).orElseThrow();
            float[] data = values.get(out.name());
            long[] shape = spec.shape();
            shape[0] = items;
            if (out.classification() > 0) {
                outputs.add(TensorOutput.bytes(out.name(), new long[]{items, out.classification()},
                        classificationStrings(data, items, out.classification(), info.labels())));
            } else {
                outputs.add(TensorOutput.fp32(out.name(), shape, data));
            }
        }
        return new InferResponse(info.name(), info.version(), request.id() == null ? "" : request.id(), outputs);
    }

    /**
     * Classifies {@code count} 8-bit grayscale images ({@code pixels}, row-major, one after the
     * other) with the latest version of {@code name}, scaled as that version's metadata says, and
     * returns the top {@code topK} classes of each, by probability.
     */
    public Classification classify(String name, byte[] pixels, int count, int topK, Duration timeout) {
        if (isEnsemble(name)) {
            Duration wait = wait(timeout);
            return ensemble.classify(pixels, count, topK, System.nanoTime() + wait.toNanos(), wait);
        }
        try (ServedModel.Use use = repository.acquire(name, "")) {
            ModelInfo info = use.info();
            int classes = info.labels().size();
            if (topK < 1 || topK > classes) {
                throw ServingException.badRequest("top_k must be between 1 and " + classes + ", got " + topK);
            }
            BatchResult result = run(use.served(), scaled(pixels, info.inputScale()), count, timeout);
            return classification(info, result.outputs().get(probabilityOutput(info)), count, topK);
        }
    }

    /** 8-bit pixels as a model's input values: each times {@code scale}. */
    static float[] scaled(byte[] pixels, float scale) {
        float[] values = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            values[i] = (pixels[i] & 0xFF) * scale;
        }
        return values;
    }

    /** The top {@code topK} classes of each of {@code count} rows of {@code probabilities}. */
    static Classification classification(ModelInfo info, float[] probabilities, int count, int topK) {
        int classes = info.labels().size();
        List<List<Prediction>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Prediction> top = new ArrayList<>();
            for (int index : topIndices(probabilities, i * classes, classes, topK)) {
                top.add(new Prediction(index, info.labels().get(index), probabilities[i * classes + index]));
            }
            answers.add(top);
        }
        return new Classification(info, answers);
    }

    /** The {@link System#nanoTime()} instant by which a request with {@code timeout} (null: the default) must be answered. */
    public long deadline(Duration timeout) {
        return System.nanoTime() + wait(timeout).toNanos();
    }

    /**
     * The class probabilities of {@code items} inputs (model-space values, row-major, one after the other)
     * on the model {@code use} holds, through its batcher like every other request, by {@code deadlineNanos}
     * (a {@link System#nanoTime()} instant). For callers that run several submissions on one model version
     * (an explanation's chunks) under one deadline.
     */
    public float[] probabilities(ServedModel.Use use, float[] input, int items, long deadlineNanos) {
        BatchResult result = run(use.served(), input, items, deadlineNanos,
                Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
        return result.outputs().get(probabilityOutput(use.info()));
    }

    /** The answer of {@link #classify}: the model version that answered, and the top classes of each image. */
    public record Classification(ModelInfo model, List<List<Prediction>> predictions) {
    }

    /** The output holding class probabilities: {@code probabilities} if present, else the first. */
    static String probabilityOutput(ModelInfo info) {
        return info.output("probabilities").orElse(info.outputs().getFirst()).name();
    }

    /**
     * Checks {@code input} against the model's declared input (name, datatype, rank, dimensions, element
     * count) and returns its batch size.
     *
     * @throws ServingException BAD_REQUEST saying what does not fit
     */
    public static int checkInput(TensorSpec spec, TensorInput input) {
        if (!spec.name().equals(input.name())) {
            throw ServingException.badRequest("unknown input '" + input.name() + "'; the model's input is '"
                    + spec.name() + "'");
        }
        if (!spec.datatype().equals(input.datatype())) {
            throw ServingException.badRequest("input '" + input.name() + "' has datatype " + input.datatype()
                    + "; the model expects " + spec.datatype());
        }
        long[] expected = spec.shape();
        long[] shape = input.shape();
        boolean fits = shape.length == expected.length;
        long elements = 1;
        for (int i = 0; fits && i < shape.length; i++) {
            fits = expected[i] == -1 ? shape[i] >= 1 : shape[i] == expected[i];
            // the element count must fit in an array: past that (or an overflow) it cannot match the data anyway
            elements = fits && elements <= Integer.MAX_VALUE / shape[i] ? elements * shape[i] : Long.MAX_VALUE;
        }
        if (!fits) {
            throw ServingException.badRequest("input '" + input.name() + "' has shape " + Arrays.toString(shape)
                    + "; the model expects " + Arrays.toString(expected) + " (-1 = any batch size)");
        }
        if (elements != input.data().length) {
            throw ServingException.badRequest("input '" + input.name() + "' declares shape " + Arrays.toString(shape)
                    + " (" + (elements == Long.MAX_VALUE ? "more than " + Integer.MAX_VALUE : elements) + " values) but"
                    + " carries " + input.data().length + " values");
        }
        float[] data = input.data();
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw ServingException.badRequest("input '" + input.name() + "' holds a value that is not a finite"
                        + " FP32 number (" + data[i] + ") at index " + i + "; NaN, infinities and numbers beyond"
                        + " +-3.4e38 are refused");
            }
        }
        return (int) shape[0];
    }

    private BatchResult run(ServedModel served, float[] input, int items, Duration timeout) {
        Duration wait = wait(timeout);
        return run(served, input, items, System.nanoTime() + wait.toNanos(), wait);
    }

    /** How long a request with {@code timeout} (null: the default) may wait. */
    private Duration wait(Duration timeout) {
        return timeout == null ? defaultTimeout : timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : timeout;
    }

    private BatchResult run(ServedModel served, float[] input, int items, long deadline, Duration wait) {
        return await(served.batcher().submit(input, items, deadline), deadline, wait);
    }

    /** Waits for a submitted batch job until {@code deadline}, mapping every way it can end to a {@link ServingException}. */
    static BatchResult await(CompletableFuture<BatchResult> future, long deadline, Duration wait) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(false); // still queued: the batcher will skip it, so it is never computed
            throw new ServingException(ErrorKind.DEADLINE_EXCEEDED, "no result within " + wait.toMillis() + " ms");
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new ServingException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the model");
        } catch (CancellationException e) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "request cancelled");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServingException serving) {
                throw serving;
            }
            // the batcher fails its futures with ServingExceptions only: anything else is a bug, reported by the caller
            throw new IllegalStateException("batch failed", e.getCause());
        }
    }

    static List<String> classificationStrings(float[] values, int items, int k, List<String> labels) {
        int classes = values.length / items;
        List<String> strings = new ArrayList<>(items * k);
        for (int i = 0; i < items; i++) {
            for (int index : topIndices(values, i * classes, classes, k)) {
                // Triton writes the value with C++ std::to_string, i.e. six decimals
                strings.add(String.format(Locale.ROOT, "%f:%d:%s", values[i * classes + index], index,
                        index < labels.size() ? labels.get(index) : Integer.toString(index)));
            }
        }
        return strings;
    }

    /** Indices of the {@code k} largest of {@code classes} values starting at {@code offset}, largest first. */
    public static int[] topIndices(float[] values, int offset, int classes, int k) {
        Integer[] order = new Integer[classes];
        for (int i = 0; i < classes; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int byValue = Float.compare(values[offset + b], values[offset + a]);
            return byValue != 0 ? byValue : Integer.compare(a, b);
        });
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = order[i];
        }
        return top;
    }
}
