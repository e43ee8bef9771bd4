package dev.tailor.server.serving;

import ai.onnxruntime.OrtException;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.SessionFactory;
import dev.tailor.server.model.TensorSpec;

import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the bytes of a model file into a checked, warmed-up {@link OnnxModel}, or rejects them
 * with a reason a person can act on: empty, not ONNX, not servable (tensor types and shapes,
 * outputs that are not batch-major), a different interface than the model it would replace, or a
 * failing warm-up run (whose outputs must hold one row per item, for batches of 1 and the largest). Knows nothing of
 * folders, batching or what is served.
 */
final class ModelLoader {
    private final SessionFactory sessions;
    private final int warmupIterations;
    private final ServingObserver observer;

    ModelLoader(SessionFactory sessions, int warmupIterations, ServingObserver observer) {
        this.sessions = sessions;
        this.warmupIterations = warmupIterations;
        this.observer = observer;
    }

    /** A file that must not serve, and why. */
    static final class Rejected extends Exception {
        Rejected(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Loads {@code bytes} (the content of {@code file}) and warms the model up with batches of 1
     * and {@code maxBatchSize}.
     *
     * @param expected the model it would replace (its inputs and outputs must be the same), or null
     * @throws Rejected             when the file must not serve
     * @throws InterruptedException when shutdown interrupted the warm-up
     */
    OnnxModel load(ModelFile file, byte[] bytes, ModelInfo expected, int maxBatchSize) throws Rejected,
            InterruptedException {
        if (bytes.length == 0) {
            throw new Rejected("empty file (0 bytes)");
        }
        OnnxModel model;
        try {
            model = OnnxModel.load(sessions, file.name(), file.servedVersion(), bytes);
        } catch (OrtException e) {
            throw new Rejected("not a valid ONNX model (ONNX Runtime: " + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new Rejected("cannot be served: " + e.getMessage());
        }
        try {
            if (expected != null) {
                String difference = difference(expected, model.info());
                if (difference != null) {
                    throw new Rejected("its inputs or outputs differ from the model it would replace (" + difference
                            + "); to change them, remove the model first or serve it under a new name");
                }
            }
            observer.warmingUp(model.info().name(), model.info().version());
            warmUp(model, maxBatchSize);
            return model;
        } catch (IllegalStateException e) {
            model.close();
            throw new Rejected("warm-up run failed: " + e.getMessage()); // e.g. outputs that are not batch-major
        } catch (Rejected | InterruptedException | RuntimeException e) {
            model.close();
            throw e;
        } catch (OrtException e) {
            model.close();
            throw new Rejected("warm-up run failed (ONNX Runtime: " + e.getMessage() + ")");
        }
    }

    private void warmUp(OnnxModel model, int maxBatchSize) throws OrtException {
        int itemSize = model.info().input().itemSize();
        try (OnnxModel.Lease lease = model.acquire()) {
            // once at least, whatever the setting: these runs also check that the outputs are batch-major
            for (int i = 0; i < Math.max(1, warmupIterations); i++) {
                lease.run(new float[itemSize], 1);
                lease.run(new float[itemSize * maxBatchSize], maxBatchSize);
            }
        }
    }

    /** How the interfaces differ, or null when inputs and outputs have the same names, types and shapes. */
    static String difference(ModelInfo served, ModelInfo candidate) {
        if (!served.input().equals(candidate.input())) {
            return "input " + served.input() + " is now " + candidate.input();
        }
        Map<String, TensorSpec> before = byName(served);
        Map<String, TensorSpec> after = byName(candidate);
        if (!before.equals(after)) {
            return "outputs " + before.values() + " are now " + after.values();
        }
        return null;
    }

    private static Map<String, TensorSpec> byName(ModelInfo info) {
        Map<String, TensorSpec> outputs = new TreeMap<>();
        info.outputs().forEach(o -> outputs.put(o.name(), o));
        return outputs;
    }
}
