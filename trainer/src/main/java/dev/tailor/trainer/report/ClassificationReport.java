package dev.tailor.trainer.report;

import dev.tailor.trainer.data.ImageSet;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Accuracy, per-class precision/recall/F1 and the confusion matrix of a set of predictions,
 * computed by ND4J's {@link Evaluation} and kept as plain values for JSON and plots.
 */
public record ClassificationReport(double accuracy, double macroF1, List<ClassMetrics> perClass, int[][] confusion,
                                   int count) {

    /** One class's figures; {@code support} is its number of true examples. */
    public record ClassMetrics(String label, double precision, double recall, double f1, int support) {
    }

    /** Scores {@code probs} against {@code images}' labels. */
    public static ClassificationReport of(float[][] probs, ImageSet images, List<String> labels) {
        int n = probs.length;
        int k = labels.size();
        float[] truth = new float[n * k];
        float[] predicted = new float[n * k];
        for (int i = 0; i < n; i++) {
            truth[i * k + images.label(i)] = 1;
            System.arraycopy(probs[i], 0, predicted, i * k, k);
        }
        Evaluation eval = new Evaluation(labels);
        eval.eval(Nd4j.create(truth, new long[]{n, k}, 'c'), Nd4j.create(predicted, new long[]{n, k}, 'c'));
        int[][] confusion = new int[k][k];
        List<ClassMetrics> perClass = new ArrayList<>();
        double f1Sum = 0;
        for (int c = 0; c < k; c++) {
            int support = 0;
            for (int p = 0; p < k; p++) {
                confusion[c][p] = eval.getConfusionMatrix().getCount(c, p);
                support += confusion[c][p];
            }
            double f1 = eval.f1(c);
            f1Sum += f1;
            perClass.add(new ClassMetrics(labels.get(c), eval.precision(c), eval.recall(c), f1, support));
        }
        return new ClassificationReport(eval.accuracy(), f1Sum / k, perClass, confusion, n);
    }

    /** A readable table for the console. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("accuracy %.4f   macro F1 %.4f   (%d images)%n", accuracy, macroF1, count));
        sb.append(String.format("%-12s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support"));
        for (ClassMetrics m : perClass) {
            sb.append(String.format("%-12s %9.4f %9.4f %9.4f %8d%n", m.label(), m.precision(), m.recall(), m.f1(), m.support()));
        }
        return sb.toString();
    }
}
