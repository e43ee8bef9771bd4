package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Adam's moments survive a save/restore: a restored optimizer steps exactly like the original. */
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

    private static INDArray gradient(int seed) {
        float[] g = new float[12];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) Math.sin(seed * 7 + i * 1.3);
        }
        return Nd4j.create(g, new long[]{3, 4}, 'c');
    }
}
