package dev.tailor.trainer.train;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.report.ClassificationReport;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs an inference graph over a set of images in batches and returns the class probabilities,
 * with loss and accuracy helpers. Inference graphs use running statistics and no dropout, so the
 * same images always give the same probabilities.
 */
public final class Evaluator {
    private static final int BATCH = 500;

    private Evaluator() {
    }

    /**
     * Probabilities [N,10] of {@code images} under {@code inference} (built from {@code def}). Frees
     * every array it made, and the session's cached intermediates, before it returns: an evaluation
     * per epoch would otherwise leave its native memory to the garbage collector.
     */
    public static float[][] predict(SameDiff inference, ModelDef def, ImageSet images) {
        int size = images.imageSize();
        float[][] probs = new float[images.size()][];
        try {
            for (int from = 0; from < images.size(); from += BATCH) {
                int n = Math.min(BATCH, images.size() - from);
                float[] px = new float[n * size];
                for (int k = 0; k < n; k++) {
                    images.copyNormalized(from + k, px, k * size);
                }
                try (INDArray input = Nd4j.create(px, new long[]{n, 1, images.rows(), images.cols()}, 'c');
                     INDArray p = inference.output(Map.of(def.input(), input), def.probabilities()).get(def.probabilities())) {
                    System.arraycopy(p.toFloatMatrix(), 0, probs, from, n);
                }
            }
        } finally {
            inference.getSessions().values().forEach(session -> session.getMmgr().close());
            inference.getSessions().clear();
        }
        return probs;
    }

    /** {@code model}'s classification report on {@code images}; frees the graph it builds, not the model's weights. */
    public static ClassificationReport score(TrainedModel model, ImageSet images) {
        SameDiff inference = model.inferenceGraph();
        float[][] probs = predict(inference, model.definition(), images);
        SameDiffGraphs.free(inference, model.weights());
        return ClassificationReport.of(probs, images, model.info().labels());
    }

    /** Mean cross-entropy of {@code probs} against the true labels. */
    public static double crossEntropy(float[][] probs, ImageSet images) {
        double sum = 0;
        for (int i = 0; i < probs.length; i++) {
            sum -= Math.log(Math.max(probs[i][images.label(i)], 1e-7));
        }
        return sum / probs.length;
    }

    /** Fraction of images whose most probable class is the true one. */
    public static double accuracy(float[][] probs, ImageSet images) {
        int correct = 0;
        for (int i = 0; i < probs.length; i++) {
            if (argmax(probs[i]) == images.label(i)) {
                correct++;
            }
        }
        return (double) correct / probs.length;
    }

    /** Index of the largest value. */
    public static int argmax(float[] values) {
        int best = 0;
        for (int c = 1; c < values.length; c++) {
            if (values[c] > values[best]) {
                best = c;
            }
        }
        return best;
    }
}
