package dev.tailor.server.infer;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.batch.BatchResult;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.serving.ModelRepository;
import dev.tailor.server.serving.ServedModel;
import dev.tailor.server.model.TensorSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
    private final ModelRepository repository;
    private final Duration defaultTimeout;

    /** Requests without their own timeout get {@code defaultTimeout}. */
    public Inference(ModelRepository repository, Duration defaultTimeout) {
        this.repository = repository;
        this.defaultTimeout = defaultTimeout;
    }

    /** The repository served. */
    public ModelRepository repository() {
        return repository;
    }

    /**
     * The model called {@code name}, in {@code version} if that is not empty.
     *
     * @throws ServingException NOT_FOUND
     */
    public ServedModel model(String name, String version) {
        ServedModel served = repository.get(name).orElseThrow(() -> ServingException.notFound("unknown model '" + name
                + "'; loaded: " + repository.models().stream().map(m -> m.info().name()).toList()));
        if (version != null && !version.isEmpty() && !version.equals(served.info().version())) {
            throw ServingException.notFound("model '" + name + "' has no version '" + version + "'; it serves version "
                    + served.info().version());
        }
        return served;
    }

    /** Runs an Open Inference Protocol request. */
    public InferResponse infer(InferRequest request) {
        ServedModel served = model(request.model(), request.version());
        ModelInfo info = served.info();
        if (request.inputs().size() != 1) {
            throw ServingException.badRequest("model '" + info.name() + "' takes exactly one input ('"
                    + info.input().name() + "'), got " + request.inputs().size());
        }
        TensorInput input = request.inputs().getFirst();
        int items = checkInput(info.input(), input);
        List<OutputRequest> wanted = request.outputs().isEmpty()
                ? info.outputs().stream().map(o -> new OutputRequest(o.name(), 0)).toList()
                : request.outputs();
        for (OutputRequest out : wanted) {
            TensorSpec spec = info.output(out.name()).orElseThrow(() -> ServingException.badRequest(
                    "model '" + info.name() + "' has no output '" + out.name() + "'; outputs: "
                            + info.outputs().stream().map(TensorSpec::name).toList()));
            int classes = spec.itemSize();
            if (out.classification() < 0 || out.classification() > classes) {
                throw ServingException.badRequest("classification must be between 1 and " + classes + " for output '"
                        + out.name() + "', got " + out.classification());
            }
        }
        BatchResult result = run(served, input.data(), items, request.timeout());
        List<TensorOutput> outputs = new ArrayList<>();
        for (OutputRequest out : wanted) {
            TensorSpec spec = info.output(out.name()).orElseThrow();
            float[] values = result.outputs().get(out.name());
            long[] shape = spec.shape();
            shape[0] = items;
            if (out.classification() > 0) {
                outputs.add(TensorOutput.bytes(out.name(), new long[]{items, out.classification()},
                        classificationStrings(values, items, out.classification(), info.labels())));
            } else {
                outputs.add(TensorOutput.fp32(out.name(), shape, values));
            }
        }
        return new InferResponse(info.name(), info.version(), request.id() == null ? "" : request.id(), outputs);
    }

    /**
     * Classifies {@code count} images given as model-ready floats (already scaled), returning the
     * top {@code topK} classes of each, by probability.
     */
    public List<List<Prediction>> classify(ServedModel served, float[] images, int count, int topK, Duration timeout) {
        ModelInfo info = served.info();
        int classes = info.labels().size();
        if (topK < 1 || topK > classes) {
            throw ServingException.badRequest("top_k must be between 1 and " + classes + ", got " + topK);
        }
        BatchResult result = run(served, images, count, timeout);
        float[] probabilities = result.outputs().get(probabilityOutput(info));
        List<List<Prediction>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Prediction> top = new ArrayList<>();
            for (int index : topIndices(probabilities, i * classes, classes, topK)) {
                top.add(new Prediction(index, info.labels().get(index), probabilities[i * classes + index]));
            }
            answers.add(top);
        }
        return answers;
    }

    /** The output holding class probabilities: {@code probabilities} if present, else the first. */
    static String probabilityOutput(ModelInfo info) {
        return info.output("probabilities").orElse(info.outputs().getFirst()).name();
    }

    private static int checkInput(TensorSpec spec, TensorInput input) {
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
        if (shape.length != expected.length) {
            throw ServingException.badRequest("input '" + input.name() + "' has shape " + Arrays.toString(shape)
                    + "; the model expects " + Arrays.toString(expected) + " (-1 = any batch size)");
        }
        for (int i = 0; i < shape.length; i++) {
            boolean fits = expected[i] == -1 ? shape[i] >= 1 : shape[i] == expected[i];
            if (!fits) {
                throw ServingException.badRequest("input '" + input.name() + "' has shape " + Arrays.toString(shape)
                        + "; the model expects " + Arrays.toString(expected) + " (-1 = any batch size)");
            }
        }
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        if (elements != input.data().length) {
            throw ServingException.badRequest("input '" + input.name() + "' declares shape " + Arrays.toString(shape)
                    + " (" + elements + " values) but carries " + input.data().length + " values");
        }
        return Math.toIntExact(shape[0]);
    }

    private BatchResult run(ServedModel served, float[] input, int items, Duration timeout) {
        Duration wait = timeout == null ? defaultTimeout : timeout;
        long deadline = System.nanoTime() + wait.toNanos();
        CompletableFuture<BatchResult> future = served.batcher().submit(input, items, deadline);
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
            throw new ServingException(ErrorKind.INTERNAL, "inference failed: " + e.getCause());
        }
    }

    private static List<String> classificationStrings(float[] values, int items, int k, List<String> labels) {
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
    static int[] topIndices(float[] values, int offset, int classes, int k) {
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
