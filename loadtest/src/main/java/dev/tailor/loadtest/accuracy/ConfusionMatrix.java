package dev.tailor.loadtest.accuracy;

/**
 * Counts of (true class, predicted class) pairs, and the figures a model card reports from them:
 * accuracy, per-class precision, recall and F1, and macro F1 (the unweighted mean of the classes' F1).
 */
public final class ConfusionMatrix {
    private final long[][] counts;
    private long total;

    /** An empty matrix over {@code classes} classes. */
    public ConfusionMatrix(int classes) {
        counts = new long[classes][classes];
    }

    /** The matrix of a run's answers, one per image. */
    public static ConfusionMatrix of(Predictions run, int classes) {
        ConfusionMatrix matrix = new ConfusionMatrix(classes);
        for (int i = 0; i < run.count(); i++) {
            matrix.add(run.labels()[i], run.predicted()[i]);
        }
        return matrix;
    }

    /** Counts one answer. */
    public void add(int actual, int predicted) {
        counts[actual][predicted]++;
        total++;
    }

    /** How many answers were counted. */
    public long total() {
        return total;
    }

    /** How many answers named the true class. */
    public long correct() {
        long correct = 0;
        for (int c = 0; c < counts.length; c++) {
            correct += counts[c][c];
        }
        return correct;
    }

    /** Correct answers over all answers (0 when none were counted). */
    public double accuracy() {
        return total == 0 ? 0 : (double) correct() / total;
    }

    /** Of the answers naming class {@code c}, the share that were right (0 when none named it). */
    public double precision(int c) {
        long named = 0;
        for (long[] row : counts) {
            named += row[c];
        }
        return named == 0 ? 0 : (double) counts[c][c] / named;
    }

    /** Of the images of class {@code c}, the share answered right (0 when there were none). */
    public double recall(int c) {
        long actual = 0;
        for (long n : counts[c]) {
            actual += n;
        }
        return actual == 0 ? 0 : (double) counts[c][c] / actual;
    }

    /** The harmonic mean of precision and recall of class {@code c} (0 when both are 0). */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** The unweighted mean of every class's F1. */
    public double macroF1() {
        double sum = 0;
        for (int c = 0; c < counts.length; c++) {
            sum += f1(c);
        }
        return sum / counts.length;
    }

    /** How many images of class {@code actual} were answered as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }
}
