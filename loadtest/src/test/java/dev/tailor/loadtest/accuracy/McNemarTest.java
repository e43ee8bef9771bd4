package dev.tailor.loadtest.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class McNemarTest {
    @Test
    void smallCountsMatchTheBinomialTailByHand() {
        // 0 against 5: both tails of Bin(5, 1/2) at the extremes, 2 / 32
        assertEquals(0.0625, new McNemar(0, 5).pValue(), 1e-12);
        assertEquals(0.0625, new McNemar(5, 0).pValue(), 1e-12);
        // 1 against 9: 2 * (1 + 10) / 1024
        assertEquals(22.0 / 1024, new McNemar(1, 9).pValue(), 1e-12);
    }

    @Test
    void equalCountsOrNoDiscordantImagesGiveOne() {
        assertEquals(1.0, new McNemar(0, 0).pValue());
        assertEquals(1.0, new McNemar(1, 1).pValue());
        assertEquals(1.0, new McNemar(40, 40).pValue());
    }

    @Test
    void largeCountsStayFiniteAndOrdered() {
        // the shipped MiniResNet against its restart: 63 against 70 images, far from significant
        double close = new McNemar(70, 63).pValue();
        assertTrue(close > 0.5 && close < 0.7, "p " + close);
        // a whole test set's worth: 4,000 against 4,400 is a real difference
        double far = new McNemar(4000, 4400).pValue();
        assertTrue(far > 0 && far < 1e-4, "p " + far);
    }

    @Test
    void countsComeFromTheImagesExactlyOneRunGotRight() {
        int[] labels = {0, 1, 2, 3, 4};
        Predictions first = new Predictions(labels, new int[] {0, 1, 9, 9, 4});
        Predictions second = new Predictions(labels, new int[] {0, 9, 2, 9, 9});

        McNemar test = McNemar.of(first, second);

        assertEquals(2, test.onlyFirst()); // images 1 and 4
        assertEquals(1, test.onlySecond()); // image 2
    }

    @Test
    void runsOnDifferentImagesAreRefused() {
        Predictions three = new Predictions(new int[] {0, 1, 2}, new int[] {0, 1, 2});
        Predictions relabelled = new Predictions(new int[] {0, 1, 3}, new int[] {0, 1, 2});

        assertThrows(IllegalArgumentException.class, () -> McNemar.of(three, new Predictions(new int[2], new int[2])));
        assertThrows(IllegalArgumentException.class, () -> McNemar.of(three, relabelled));
    }
}
