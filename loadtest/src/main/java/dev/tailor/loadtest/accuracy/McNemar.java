package dev.tailor.loadtest.accuracy;

/**
 * McNemar's exact test for two classifiers scored on the same images: only the images exactly one
 * of them gets right tell them apart. Under "equally good", each such image is a fair coin, so the
 * two-sided p-value is the binomial tail {@code 2 * P(X <= min(b, c))} for {@code X ~ Bin(b + c, 1/2)}.
 * A candidate model that scores a few images more than the shipped one is usually not better.
 *
 * @param onlyFirst  images only the first classifier got right ({@code b})
 * @param onlySecond images only the second classifier got right ({@code c})
 */
public record McNemar(int onlyFirst, int onlySecond) {
    /** Checks the counts. */
    public McNemar {
        if (onlyFirst < 0 || onlySecond < 0) {
            throw new IllegalArgumentException("counts must not be negative: " + onlyFirst + ", " + onlySecond);
        }
    }

    /** Compares two runs over the same test images; fails when they do not hold the same images and labels. */
    public static McNemar of(Predictions first, Predictions second) {
        if (first.count() != second.count()) {
            throw new IllegalArgumentException("the runs hold " + first.count() + " and " + second.count() + " images");
        }
        int onlyFirst = 0;
        int onlySecond = 0;
        for (int i = 0; i < first.count(); i++) {
            if (first.labels()[i] != second.labels()[i]) {
                throw new IllegalArgumentException("image " + i + " has label " + first.labels()[i] + " in one run and "
                        + second.labels()[i] + " in the other: not the same test images");
            }
            boolean a = first.right(i);
            boolean b = second.right(i);
            if (a && !b) {
                onlyFirst++;
            } else if (b && !a) {
                onlySecond++;
            }
        }
        return new McNemar(onlyFirst, onlySecond);
    }

    /** The exact two-sided p-value (1 when no image tells the two apart). */
    public double pValue() {
        int n = onlyFirst + onlySecond;
        int k = Math.min(onlyFirst, onlySecond);
        // sum C(n, j) / 2^n for j <= k in log space: n reaches 10,000, far past what doubles hold directly
        double logChoose = 0;
        double log2n = n * Math.log(2);
        double tail = 0;
        for (int j = 0; j <= k; j++) {
            tail += Math.exp(logChoose - log2n);
            logChoose += Math.log(n - j) - Math.log(j + 1);
        }
        return Math.min(1.0, 2 * tail);
    }
}
