package dev.tailor.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Stratified splits keep every class's share in every part, cover all images once, and repeat per seed. */
class StratifiedSplitTest {

    @Test
    void eightyTwentyKeepsClassProportionsWithinOnePercent() {
        assertStratified(new double[]{0.8, 0.2});
    }

    @Test
    void sixtyTwentyTwentyKeepsClassProportionsWithinOnePercent() {
        assertStratified(new double[]{0.6, 0.2, 0.2});
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        byte[] labels = TestData.dataset().train().labels();
        List<int[]> a = StratifiedSplit.split(labels, 10, new double[]{0.8, 0.2}, 1);
        List<int[]> b = StratifiedSplit.split(labels, 10, new double[]{0.8, 0.2}, 1);
        List<int[]> c = StratifiedSplit.split(labels, 10, new double[]{0.8, 0.2}, 2);
        assertArrayEquals(a.get(1), b.get(1));
        assertTrue(!java.util.Arrays.equals(a.get(1), c.get(1)));
    }

    @Test
    void fractionsMustSumToOne() {
        assertThrows(IllegalArgumentException.class, () -> StratifiedSplit.split(new byte[10], 10, new double[]{0.5, 0.2}, 1));
    }

    private static void assertStratified(double[] fractions) {
        byte[] labels = TestData.dataset().train().labels();
        List<int[]> parts = StratifiedSplit.split(labels, 10, fractions, 42);
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (int p = 0; p < parts.size(); p++) {
            int[] part = parts.get(p);
            total += part.length;
            assertEquals(fractions[p] * labels.length, part.length, labels.length * 0.001);
            int[] counts = new int[10];
            for (int i : part) {
                assertTrue(seen.add(i), "index " + i + " in two parts");
                counts[labels[i]]++;
            }
            for (int c = 0; c < 10; c++) {
                double share = (double) counts[c] / part.length;
                assertEquals(0.1, share, 0.01, "class " + c + " in part " + p);
            }
        }
        assertEquals(labels.length, total);
    }
}
