package dev.tailor.trainer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits indices into parts with the given fractions while keeping each class's proportion in
 * every part (a stratified split), reproducibly for a seed. 80/20 train/validation is seed 004's
 * split; 60/20/20 train/validation/test is seed 000's.
 */
public final class StratifiedSplit {
    private StratifiedSplit() {
    }

    /**
     * Returns one index array per fraction. Fractions must be positive and sum to 1 (within 1e-6);
     * within each class the shuffled indices are cut at the cumulative fractions.
     */
    public static List<int[]> split(byte[] labels, int numClasses, double[] fractions, long seed) {
        double total = Arrays.stream(fractions).sum();
        if (fractions.length == 0 || Math.abs(total - 1.0) > 1e-6 || Arrays.stream(fractions).anyMatch(f -> f <= 0)) {
            throw new IllegalArgumentException("split fractions must be positive and sum to 1, got "
                    + Arrays.toString(fractions));
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        Rng rng = new Rng(seed);
        List<List<Integer>> parts = new ArrayList<>();
        for (int p = 0; p < fractions.length; p++) {
            parts.add(new ArrayList<>());
        }
        for (List<Integer> members : byClass) {
            int[] idx = members.stream().mapToInt(Integer::intValue).toArray();
            rng.shuffle(idx);
            double cumulative = 0;
            int start = 0;
            for (int p = 0; p < fractions.length; p++) {
                cumulative += fractions[p];
                int end = p == fractions.length - 1 ? idx.length : (int) Math.round(cumulative * idx.length);
                for (int k = start; k < end; k++) {
                    parts.get(p).add(idx[k]);
                }
                start = end;
            }
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> part : parts) {
            int[] idx = part.stream().mapToInt(Integer::intValue).toArray();
            rng.shuffle(idx); // interleave classes so a prefix is a fair sample too
            result.add(idx);
        }
        return result;
    }
}
