package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tailor.trainer.model.Weights;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The running mean of weight sets is the plain mean, array by array, and never keeps the sets it reads. */
class WeightAverageTest {
    private static Weights set(float kernel, float runningVar) {
        Weights w = new Weights();
        w.put("dense_W", Nd4j.create(new float[]{kernel, 2 * kernel, -kernel, 0}, new long[]{2, 2}, 'c'));
        w.put("bn_var", Nd4j.create(new float[]{runningVar}, new long[]{1}, 'c'));
        return w;
    }

    @Test
    void meanOfThreeSetsIsTheirArithmeticMean() {
        Weights first = set(1, 0.5f);
        WeightAverage avg = WeightAverage.startingWith(first);
        avg.add(set(2, 1.5f));
        avg.add(set(6, 4f));

        assertEquals(3, avg.count());
        assertArrayEquals(new float[]{3, 6, -3, 0}, avg.mean().get("dense_W").data().asFloat(), 1e-6f);
        assertArrayEquals(new float[]{2}, avg.mean().get("bn_var").data().asFloat(), 1e-6f);
        assertArrayEquals(new float[]{1, 2, -1, 0}, first.get("dense_W").data().asFloat(), "the first set was copied, not averaged in place");
    }

    @Test
    void restoredAverageContinuesWithItsCount() {
        WeightAverage restored = new WeightAverage(set(3, 1), 2); // the mean of two sets, as a checkpoint holds it
        restored.add(set(6, 4));
        assertArrayEquals(new float[]{4, 8, -4, 0}, restored.mean().get("dense_W").data().asFloat(), 1e-6f);
        assertArrayEquals(new float[]{2}, restored.mean().get("bn_var").data().asFloat(), 1e-6f);
    }

    @Test
    void anEmptyAverageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new WeightAverage(set(1, 1), 0));
    }
}
