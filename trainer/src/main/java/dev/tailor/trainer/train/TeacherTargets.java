package dev.tailor.trainer.train;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.ImageSet;
import java.util.List;

/**
 * Knowledge distillation (Hinton et al. 2015) with the teachers' answers taken once: the mean
 * probabilities of one or more trained models (an ensemble) on each clean training image, softened
 * by a temperature ({@code q ∝ p^(1/T)}, the same as {@code softmax(logits / T)}), blended into that
 * image's training target: {@code (1 − weight) · label + weight · q}. The student's loss stays the
 * cross-entropy against its target, so nothing in the training graph changes; the augmented copies
 * of an image share its clean image's soft target (mild augmentation keeps the class and the look).
 */
public final class TeacherTargets {
    private final float[][] soft;
    private final double weight;
    private final double temperature;

    private TeacherTargets(float[][] soft, double weight, double temperature) {
        this.soft = soft;
        this.weight = weight;
        this.temperature = temperature;
    }

    /**
     * The teachers' softened mean answer for every image of {@code train}, in its order.
     *
     * @param weight      share of the teachers in each target, in (0, 1]
     * @param temperature at least 1; 1 keeps the teachers' probabilities as they are
     */
    public static TeacherTargets compute(List<TrainedModel> teachers, ImageSet train, double weight, double temperature) {
        Distillation.checkWeightAndTemperature(weight, temperature);
        if (teachers.isEmpty()) {
            throw new IllegalArgumentException("distillation needs at least one teacher");
        }
        float[][] mean = null;
        for (TrainedModel teacher : teachers) {
            if (!teacher.info().labels().equals(teachers.getFirst().info().labels())) {
                throw new IllegalArgumentException("the teachers do not share one label set: "
                        + teacher.info().labels() + " vs " + teachers.getFirst().info().labels());
            }
            float[][] probs = Evaluator.predict(teacher.inferenceGraph(), teacher.definition(), train);
            if (mean == null) {
                mean = probs;
            } else {
                for (int i = 0; i < probs.length; i++) {
                    for (int c = 0; c < probs[i].length; c++) {
                        mean[i][c] += probs[i][c];
                    }
                }
            }
        }
        for (float[] row : mean) {
            soften(row, teachers.size(), temperature);
        }
        return new TeacherTargets(mean, weight, temperature);
    }

    /** Targets from softened answers already at hand (one row per training image); for tests and tools. */
    public static TeacherTargets of(float[][] softened, double weight, double temperature) {
        Distillation.checkWeightAndTemperature(weight, temperature);
        return new TeacherTargets(softened, weight, temperature);
    }

    /** Divides the summed probabilities by {@code count}, then softens: {@code q ∝ p^(1/T)}, summing to 1. */
    static void soften(float[] summed, int count, double temperature) {
        double total = 0;
        double[] q = new double[summed.length];
        for (int c = 0; c < summed.length; c++) {
            // floor: a probability of exactly 0 (underflow) must still take part in the power
            q[c] = Math.pow(Math.max(summed[c] / count, 1e-12), 1 / temperature);
            total += q[c];
        }
        for (int c = 0; c < summed.length; c++) {
            summed[c] = (float) (q[c] / total);
        }
    }

    /** Blends image {@code index}'s soft target into {@code target[offset..offset+classes)} (its label's target). */
    public void blend(int index, float[] target, int offset) {
        float[] q = soft[index];
        for (int c = 0; c < q.length; c++) {
            target[offset + c] = (float) ((1 - weight) * target[offset + c] + weight * q[c]);
        }
    }

    /** Training images covered. */
    public int size() {
        return soft.length;
    }

    public double weight() {
        return weight;
    }

    public double temperature() {
        return temperature;
    }
}
