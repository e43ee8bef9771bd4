package dev.tailor.trainer.train;

import dev.tailor.trainer.data.Augmenter;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.Layer;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Node;
import dev.tailor.trainer.model.SameDiffGraphs;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns a slice of training images into the training graph's placeholders: augmented [0,1]
 * images, one-hot labels (label-smoothed if asked, blended with the teachers' soft targets when
 * distilling), per-example class weights, a fresh dropout
 * mask per dropout layer (values 0 or 1/keep) and the zero arrays batch norm broadcasts through
 * (made once per batch size and kept). All randomness comes from the caller's
 * {@link Rng}, so a checkpoint that saves its state resumes the same stream.
 */
public final class BatchFeeder {
    private final ModelDef def;
    private final ImageSet images;
    private final TrainConfig config;
    private final Augmenter augmenter;
    private final int numClasses;
    private final TeacherTargets teacher; // null: no distillation
    // the graph's zero placeholders, by batch size: read-only inputs, so made once and fed every step
    // (concurrent: batches are made on the prefetch thread and released on the training thread)
    private final Map<Integer, Map<String, INDArray>> zeros = new java.util.concurrent.ConcurrentHashMap<>();

    public BatchFeeder(ModelDef def, ImageSet images, TrainConfig config, int numClasses) {
        this(def, images, config, numClasses, null);
    }

    /** With {@code teacher} (null: none) holding a soft target for every one of {@code images}. */
    public BatchFeeder(ModelDef def, ImageSet images, TrainConfig config, int numClasses, TeacherTargets teacher) {
        if (teacher != null && teacher.size() != images.size()) {
            throw new IllegalArgumentException("the teachers' targets cover " + teacher.size() + " images, not the "
                    + images.size() + " trained on");
        }
        this.teacher = teacher;
        this.def = def;
        this.images = images;
        this.config = config;
        this.augmenter = new Augmenter(config.augment());
        this.numClasses = numClasses;
    }

    /** Placeholders for the images {@code order[from..to)}. */
    public Map<String, INDArray> batch(int[] order, int from, int to, Rng rng) {
        int n = to - from;
        int size = images.imageSize();
        float[] pixels = new float[n * size];
        float[] scratch = new float[size];
        float[] labels = new float[n * numClasses];
        float[] weights = new float[n];
        float off = (float) (config.labelSmoothing() / numClasses);
        float on = (float) (1 - config.labelSmoothing()) + off;
        for (int k = 0; k < n; k++) {
            int i = order[from + k];
            images.copyNormalized(i, scratch, 0);
            augmenter.augment(scratch, 0, pixels, k * size, images.rows(), rng);
            int label = images.label(i);
            for (int c = 0; c < numClasses; c++) {
                labels[k * numClasses + c] = c == label ? on : off;
            }
            if (teacher != null) {
                teacher.blend(i, labels, k * numClasses);
            }
            weights[k] = (float) config.classWeight(label);
        }
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(def.input(), Nd4j.create(pixels, new long[]{n, 1, images.rows(), images.cols()}, 'c'));
        feed.put(SameDiffGraphs.LABEL, Nd4j.create(labels, new long[]{n, numClasses}, 'c'));
        feed.put(SameDiffGraphs.SAMPLE_WEIGHT, Nd4j.create(weights, new long[]{n}, 'c'));
        for (Node node : def.dropoutNodes()) {
            feed.put(SameDiffGraphs.maskName(node), mask(node, n, rng));
        }
        feed.putAll(zeros.computeIfAbsent(n, this::zeros));
        return feed;
    }

    private Map<String, INDArray> zeros(int n) {
        Map<String, INDArray> arrays = new HashMap<>();
        SameDiffGraphs.broadcastZeros(def).forEach((name, shape) -> arrays.put(name, Nd4j.zeros(DataType.FLOAT, batchOf(n, shape))));
        return arrays;
    }

    /**
     * Frees a batch's arrays once its step has run, instead of leaving their native memory to the
     * garbage collector (SameDiff never caches or frees placeholder arrays itself).
     */
    public void release(Map<String, INDArray> feed) {
        Map<String, INDArray> kept = zeros.getOrDefault((int) feed.get(def.input()).size(0), Map.of());
        feed.forEach((name, array) -> {
            if (kept.get(name) != array && !array.wasClosed() && array.closeable()) {
                array.close();
            }
        });
    }

    /**
     * Inverted-dropout mask: each unit kept with probability 1−rate and scaled by 1/(1−rate). Written
     * straight into the array's native buffer: a Java {@code float[]} of a conv layer's mask (12.8 MB
     * for one of CNN4b's at batch 128) is a humongous object to G1, and four of them a step made the
     * collector run every few steps and grow the committed heap epoch after epoch.
     */
    static INDArray mask(Node node, int n, Rng rng) {
        double rate = ((Layer.Dropout) node.layer()).rate();
        float keep = (float) (1 - rate);
        float scale = 1f / keep;
        INDArray mask = Nd4j.createUninitialized(DataType.FLOAT, batchOf(n, node.outShape()), 'c');
        FloatBuffer values = mask.data().asNioFloat();
        for (int i = 0, length = (int) mask.length(); i < length; i++) {
            values.put(i, rng.nextFloat() < keep ? scale : 0f);
        }
        return mask;
    }

    /** The shape of {@code n} examples of {@code shape}: [n, shape...]. */
    private static long[] batchOf(int n, int[] shape) {
        long[] full = new long[shape.length + 1];
        full[0] = n;
        for (int d = 0; d < shape.length; d++) {
            full[d + 1] = shape[d];
        }
        return full;
    }
}
