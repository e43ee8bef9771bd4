package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Adam's moments survive a save/restore: a restored optimizer steps exactly like the original; AdamW's decay is exact. */
class AdamOptimizerTest {
    private static final Map<String, INDArray> SHAPES = Map.of("w", Nd4j.zeros(DataType.FLOAT, 3, 4));

    @Test
    void restoredOptimizerContinuesExactlyAndAFreshOneDoesNot() {
        AdamOptimizer original = new AdamOptimizer(0.01, SHAPES);
        INDArray param = Nd4j.ones(DataType.FLOAT, 3, 4);
        for (int i = 0; i < 5; i++) {
            original.step(Map.of("w", param), Map.of("w", gradient(i)), i, 0);
        }
        AdamOptimizer restored = new AdamOptimizer(0.01, SHAPES);
        restored.restore(original.state());
        AdamOptimizer fresh = new AdamOptimizer(0.01, SHAPES);

        INDArray a = param.dup();
        INDArray b = param.dup();
        INDArray c = param.dup();
        original.step(Map.of("w", a), Map.of("w", gradient(9)), 5, 0);
        restored.step(Map.of("w", b), Map.of("w", gradient(9)), 5, 0);
        fresh.step(Map.of("w", c), Map.of("w", gradient(9)), 5, 0);
        assertArrayEquals(a.data().asFloat(), b.data().asFloat(), 0f);
        assertFalse(java.util.Arrays.equals(a.data().asFloat(), c.data().asFloat()));
    }

    @Test
    void weightDecayShrinksOnlyTheNamedParametersByTheLearningRateTimesTheDecay() {
        Map<String, INDArray> shapes = Map.of("kernel", Nd4j.zeros(DataType.FLOAT, 3, 4), "bias", Nd4j.zeros(DataType.FLOAT, 3, 4));
        AdamOptimizer adamW = new AdamOptimizer(0.01, shapes, 0.5, java.util.Set.of("kernel"));
        INDArray kernel = Nd4j.ones(DataType.FLOAT, 3, 4).muli(2);
        INDArray bias = Nd4j.ones(DataType.FLOAT, 3, 4).muli(2);
        INDArray zero = Nd4j.zeros(DataType.FLOAT, 3, 4);

        // a zero gradient makes Adam's own update zero, so what is left is the decay alone
        adamW.step(Map.of("kernel", kernel, "bias", bias), Map.of("kernel", zero, "bias", zero.dup()), 0, 0);

        assertEquals(2 * (1 - 0.01 * 0.5), kernel.getFloat(0, 0), 1e-7);
        assertEquals(2f, bias.getFloat(0, 0), 0f);
        adamW.setLearningRate(0.1);
        adamW.step(Map.of("kernel", kernel, "bias", bias), Map.of("kernel", zero, "bias", zero.dup()), 1, 0);
        assertEquals(2 * (1 - 0.01 * 0.5) * (1 - 0.1 * 0.5), kernel.getFloat(2, 3), 1e-6, "the decay follows the schedule's rate");
    }

    @Test
    void aDecayOutsideZeroToOneOrOfAnUnknownParameterIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AdamOptimizer(0.01, SHAPES, -0.1, java.util.Set.of("w")));
        assertThrows(IllegalArgumentException.class, () -> new AdamOptimizer(0.01, SHAPES, 1.0, java.util.Set.of("w")));
        assertThrows(IllegalArgumentException.class, () -> new AdamOptimizer(0.01, SHAPES, 0.1, java.util.Set.of("nope")));
    }

    private static INDArray gradient(int seed) {
        float[] g = new float[12];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) Math.sin(seed * 7 + i * 1.3);
        }
        return Nd4j.create(g, new long[]{3, 4}, 'c');
    }
}
