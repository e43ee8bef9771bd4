package dev.tailor.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.ImageSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The inference graph normalises with the running statistics (not the batch's), has no dropout,
 * and is deterministic: an image gets the same output alone, twice, or inside any batch.
 */
class InferenceModeTest {
    private final ModelDef def = Architectures.byName("cnn4b").define(ArchitectureOptions.defaults());

    @Test
    void batchNormUsesRunningStatisticsAtInference() {
        Weights w = Weights.initialize(def, 5);
        Node bn = def.batchNormNodes().get(0); // block1_bn, 32 channels
        INDArray mean = ramp(-0.5, 0.5);
        INDArray var = ramp(0.5, 2.0);
        w.put(bn.name() + ModelDef.MEAN, mean);
        w.put(bn.name() + ModelDef.VAR, var);
        w.put(bn.name() + ModelDef.GAMMA, ramp(0.5, 1.5));
        SameDiff sd = SameDiffGraphs.inference(def, w);
        INDArray input = images(8);
        Map<String, INDArray> out = sd.output(Map.of("input", input), bn.input(), bn.name());
        INDArray x = out.get(bn.input());
        INDArray y = out.get(bn.name());
        double eps = ((Layer.BatchNorm) bn.layer()).epsilon();
        for (int c : new int[]{0, 7, 31}) {
            double g = w.get(bn.name() + ModelDef.GAMMA).getDouble(c);
            double expected = (x.getDouble(3, c, 10, 12) - mean.getDouble(c)) / Math.sqrt(var.getDouble(c) + eps) * g;
            assertEquals(expected, y.getDouble(3, c, 10, 12), 1e-4, "channel " + c);
        }
    }

    @Test
    void outputOfAnImageDoesNotDependOnItsBatchOrOnRepetition() {
        SameDiff sd = SameDiffGraphs.inference(def, Weights.initialize(def, 6));
        INDArray batch = images(16);
        INDArray all = sd.output(Map.of("input", batch), def.probabilities()).get(def.probabilities());
        INDArray again = sd.output(Map.of("input", batch), def.probabilities()).get(def.probabilities());
        INDArray alone = sd.output(Map.of("input", batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 6))),
                def.probabilities()).get(def.probabilities());
        assertArrayEquals(all.toFloatMatrix()[0], again.toFloatMatrix()[0], 0f);
        assertArrayEquals(all.getRow(5).toFloatVector(), alone.getRow(0).toFloatVector(), 1e-5f);
    }

    @Test
    void inferenceGraphHasNoDropoutMasksWhileTrainingGraphDoes() {
        SameDiff inference = SameDiffGraphs.inference(def, Weights.initialize(def, 1));
        SameDiff training = SameDiffGraphs.training(def, Weights.initialize(def, 1), 1e-4);
        assertEquals(java.util.Set.of("input"), inference.placeHolders().stream().map(v -> v.name()).collect(java.util.stream.Collectors.toSet()));
        for (Node d : def.dropoutNodes()) {
            assertTrue(training.hasVariable(SameDiffGraphs.maskName(d)), d.name());
            assertFalse(inference.hasVariable(SameDiffGraphs.maskName(d)), d.name());
        }
    }

    private static INDArray ramp(double from, double to) {
        float[] v = new float[32];
        for (int i = 0; i < 32; i++) {
            v[i] = (float) (from + (to - from) * i / 31);
        }
        return Nd4j.create(v, new long[]{32}, 'c');
    }

    private static INDArray images(int n) {
        ImageSet set = TestData.dataset().test().head(n);
        float[] px = new float[n * 784];
        for (int i = 0; i < n; i++) {
            set.copyNormalized(i, px, i * 784);
        }
        return Nd4j.create(px, new long[]{n, 1, 28, 28}, 'c');
    }
}
