package dev.tailor.loadtest.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    @Test
    void accuracyPrecisionRecallAndF1AsAModelCardDefinesThem() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        // class 0: 3 images, 2 right, 1 called 1; class 1: 2 images, both right; class 2: 1 image, called 0
        m.add(0, 0);
        m.add(0, 0);
        m.add(0, 1);
        m.add(1, 1);
        m.add(1, 1);
        m.add(2, 0);

        assertEquals(6, m.total());
        assertEquals(4, m.correct());
        assertEquals(4 / 6.0, m.accuracy(), 1e-12);
        assertEquals(2 / 3.0, m.precision(0), 1e-12);
        assertEquals(2 / 3.0, m.recall(0), 1e-12);
        assertEquals(2 / 3.0, m.f1(0), 1e-12);
        assertEquals(2 / 3.0, m.precision(1), 1e-12);
        assertEquals(1.0, m.recall(1), 1e-12);
        assertEquals(0.8, m.f1(1), 1e-12);
        assertEquals(0, m.f1(2), "never named, never right");
        assertEquals((2 / 3.0 + 0.8 + 0) / 3, m.macroF1(), 1e-12);
        assertEquals(1, m.count(0, 1));
    }

    @Test
    void anEmptyMatrixIsZeroNotNaN() {
        ConfusionMatrix m = new ConfusionMatrix(10);
        assertEquals(0, m.accuracy());
        assertEquals(0, m.macroF1());
    }
}
