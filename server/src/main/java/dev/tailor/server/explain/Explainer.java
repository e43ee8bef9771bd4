package dev.tailor.server.explain;

import dev.tailor.server.ServingException;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.Prediction;
import dev.tailor.server.infer.TensorInput;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.serving.ServedModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Explains a classification by occlusion sensitivity (Zeiler and Fergus, 2014): slides a patch over
 * the 28×28 input, replaces it with the background value (0, as in Fashion-MNIST), and records how
 * much the explained class's probability drops. The unoccluded image and its variants run through
 * the model's dynamic batcher like any request, in chunks of at most one batch (and never more than
 * its queue holds), one chunk at a time, so an explanation shares the model fairly with
 * classification and a full queue refuses it as it refuses anyone. One model version answers every
 * chunk. The number of variants is capped ({@link ExplainSettings#maxVariants()}); patches over pure
 * background change nothing, score 0 and are not run. Each patch's drop goes to the pixels it changed
 * ({@link OcclusionSweep#map}).
 */
public final class Explainer {
    /** The value an occluded pixel gets: Fashion-MNIST's background is black. */
    static final float BACKGROUND = 0f;
    private static final int SIDE = 28;

    private final Inference inference;
    private final ExplainSettings settings;
    private final ExplanationMeter meter;

    /** Runs variants through {@code inference}'s batchers, within {@code settings}, counting into {@code meter}. */
    public Explainer(Inference inference, ExplainSettings settings, ExplanationMeter meter) {
        this.inference = inference;
        this.settings = settings;
        this.meter = meter;
    }

    /** The settings in force. */
    public ExplainSettings settings() {
        return settings;
    }

    /** Explains a converted image: {@code 28 × 28} 8-bit gray pixels, 0 = background. */
    public Explanation explain(ExplainRequest request, byte[] pixels) {
        if (pixels.length != SIDE * SIDE) {
            throw new IllegalArgumentException("expected " + SIDE * SIDE + " pixels, got " + pixels.length);
        }
        return explain(request, info -> {
            float[] values = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                values[i] = (pixels[i] & 0xFF) * info.inputScale();
            }
            return values;
        });
    }

    /** Explains one tensor in the model's input space (an Open Inference Protocol input of batch size 1). */
    public Explanation explain(ExplainRequest request, TensorInput tensor) {
        return explain(request, info -> {
            int items = Inference.checkInput(info.input(), tensor);
            if (items != 1) {
                throw ServingException.badRequest("explain takes one image; the input's batch size is " + items);
            }
            return tensor.data();
        });
    }

    private Explanation explain(ExplainRequest request, Function<ModelInfo, float[]> values) {
        long deadline = inference.deadline(request.timeout());
        if (inference.isEnsemble(request.model())) {
            throw ServingException.badRequest("'" + request.model() + "' is an ensemble of "
                    + inference.ensemble().orElseThrow().members() + ": explanations run on one model; ask one of them");
        }
        try (ServedModel.Use use = inference.repository().acquire(request.model(), "")) {
            ModelInfo info = use.info();
            if (!info.takesImages()) {
                throw ServingException.badRequest("model '" + info.name() + "' does not take 28x28 images");
            }
            int classes = info.labels().size();
            if (request.topK() < 1 || request.topK() > classes) {
                throw ServingException.badRequest("top_k must be between 1 and " + classes + ", got " + request.topK());
            }
            Integer target = request.target() == null ? null : target(info, request.target());
            OcclusionSweep sweep = new OcclusionSweep(SIDE,
                    request.patch() == null ? settings.patch() : request.patch(),
                    request.stride() == null ? settings.stride() : request.stride());
            if (sweep.variants() > settings.maxVariants()) {
                throw ServingException.badRequest("a " + sweep.patch() + "x" + sweep.patch() + " patch at stride "
                        + sweep.stride() + " makes " + sweep.variants() + " occluded variants; at most "
                        + settings.maxVariants() + " are allowed per explanation: use a larger patch or stride");
            }
            float[] image = values.apply(info);
            int[] corners = sweep.corners();
            List<Integer> changing = new ArrayList<>();
            for (int i = 0; i < corners.length; i++) {
                if (sweep.changes(image, corners[i], BACKGROUND)) {
                    changing.add(i);
                }
            }
            meter.explanationStarted(info.name());
            float[] probabilities = run(use, sweep, image, corners, changing, deadline);
            int explained = target != null ? target : Inference.topIndices(probabilities, 0, classes, 1)[0];
            float[] drops = new float[corners.length];
            for (int v = 0; v < changing.size(); v++) {
                drops[changing.get(v)] = probabilities[explained] - probabilities[(v + 1) * classes + explained];
            }
            List<Prediction> top = new ArrayList<>();
            for (int index : Inference.topIndices(probabilities, 0, classes, request.topK())) {
                top.add(new Prediction(index, info.labels().get(index), probabilities[index]));
            }
            return new Explanation(info, top, new Prediction(explained, info.labels().get(explained),
                    probabilities[explained]), sweep, changing.size(), gray(image, info.inputScale()), sweep.map(drops, image, BACKGROUND));
        }
    }

    /**
     * The probabilities of the unoccluded image (row 0) and of each changing variant (rows 1...), run
     * chunk by chunk: a chunk is at most one batch, and never more than the queue can hold.
     */
    private float[] run(ServedModel.Use use, OcclusionSweep sweep, float[] image, int[] corners,
                        List<Integer> changing, long deadline) {
        var batching = use.served().batcher().settings();
        int chunk = Math.min(batching.maxBatchSize(), batching.queueCapacity());
        int size = image.length;
        int total = 1 + changing.size();
        int classes = use.info().labels().size();
        float[] probabilities = new float[total * classes];
        for (int start = 0; start < total; start += chunk) {
            int items = Math.min(chunk, total - start);
            float[] input = new float[items * size];
            int variants = 0;
            for (int i = 0; i < items; i++) {
                int row = start + i;
                if (row == 0) {
                    System.arraycopy(image, 0, input, 0, size);
                } else {
                    sweep.occlude(image, corners[changing.get(row - 1)], BACKGROUND, input, i * size);
                    variants++;
                }
            }
            meter.variantsSubmitted(use.info().name(), variants);
            float[] rows = inference.probabilities(use, input, items, deadline);
            System.arraycopy(rows, 0, probabilities, start * classes, items * classes);
        }
        return probabilities;
    }

    /** The class {@code text} names: an index, or a label (ignoring case). */
    private static int target(ModelInfo info, String text) {
        List<String> labels = info.labels();
        try {
            int index = Integer.parseInt(text.trim());
            if (index >= 0 && index < labels.size()) {
                return index;
            }
        } catch (NumberFormatException e) {
            for (int i = 0; i < labels.size(); i++) {
                if (labels.get(i).toLowerCase(Locale.ROOT).equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return i;
                }
            }
        }
        throw ServingException.badRequest("target must be a class index 0-" + (labels.size() - 1)
                + " or one of the labels " + labels + ", not '" + text + "'");
    }

    /** The model-space values back as 8-bit gray, for showing. */
    private static byte[] gray(float[] image, float scale) {
        byte[] gray = new byte[image.length];
        for (int i = 0; i < image.length; i++) {
            gray[i] = (byte) Math.max(0, Math.min(255, Math.round(image[i] / scale)));
        }
        return gray;
    }
}
