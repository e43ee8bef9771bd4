package dev.tailor.trainer.train;

import dev.tailor.trainer.model.Weights;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running mean of several weight sets (stochastic weight averaging, Izmailov et al. 2018):
 * every array, batch-norm running statistics included, becomes the mean of the sets added. The
 * statistics are averaged rather than recomputed over the training set: in one trial on cnn4b a
 * recomputation pass (dropout on, as in training) cost an epoch and scored lower than the plain mean.
 */
public final class WeightAverage {
    private final Weights mean;
    private int count;

    /** A mean of {@code count} sets so far (as restored from a checkpoint); {@code mean} is owned, not copied. */
    public WeightAverage(Weights mean, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("an average holds at least one weight set, not " + count);
        }
        this.mean = mean;
        this.count = count;
    }

    /** A mean of the single set {@code first} (copied). */
    public static WeightAverage startingWith(Weights first) {
        return new WeightAverage(first.copy(), 1);
    }

    /** Folds {@code next} in: mean += (next − mean) / (count + 1). {@code next} is read, not kept. */
    public void add(Weights next) {
        count++;
        for (Map.Entry<String, INDArray> e : mean.asMap().entrySet()) {
            INDArray delta = next.get(e.getKey()).sub(e.getValue());
            e.getValue().addi(delta.divi(count));
            delta.close();
        }
    }

    /** How many sets the mean holds. */
    public int count() {
        return count;
    }

    /** The mean itself (shared, not a copy). */
    public Weights mean() {
        return mean;
    }
}
