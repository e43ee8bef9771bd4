package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.AugmentConfig;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.Layer;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Node;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The training graph's workarounds: class weights reach the loss, and every step gets a fresh dropout mask. */
class TrainingGraphTest {
    private final ModelDef def = Architectures.byName("cnn3").define(ArchitectureOptions.defaults());
    private final ImageSet images = TestData.trainSample(100, 3);
    private final int n = images.size();
    private final int[] order = java.util.stream.IntStream.range(0, n).toArray();

    @Test
    void classWeightsChangeTheLossByExactlyTheirWeightedShare() {
        SameDiff sd = SameDiffGraphs.training(def, Weights.initialize(def, 1), 0);
        TrainConfig plain = TrainConfig.builder().l2(0).build();
        double[] w = {1, 1, 1, 1, 1, 1, 3, 1, 1, 1}; // Shirt counts three times
        Map<String, INDArray> unweighted = new BatchFeeder(def, images, plain, 10).batch(order, 0, n, new Rng(5));
        Map<String, INDArray> weighted = new BatchFeeder(def, images, plain.toBuilder().classWeights(w).build(), 10).batch(order, 0, n, new Rng(5));
        double lossPlain = loss(sd, unweighted);
        double lossWeighted = loss(sd, weighted);
        // per-example cross-entropy, from the same forward pass with per-example weights one-hot
        double expected = 0;
        for (int i = 0; i < n; i++) {
            Map<String, INDArray> single = new HashMap<>(unweighted);
            INDArray sw = unweighted.get(SameDiffGraphs.SAMPLE_WEIGHT).dup().assign(0);
            sw.putScalar(i, n); // mean over n → this example's loss alone
            single.put(SameDiffGraphs.SAMPLE_WEIGHT, sw);
            expected += loss(sd, single) * w[images.label(i)] / n;
        }
        assertNotEquals(lossPlain, lossWeighted, 1e-4);
        assertEquals(expected, lossWeighted, 1e-4);
    }

    @Test
    void classWeightsWorkTogetherWithAugmentation() {
        TrainConfig config = TrainConfig.builder().augment(AugmentConfig.standard())
                .classWeights(new double[]{2, 1, 1, 1, 1, 1, 2, 1, 1, 1}).build();
        Map<String, INDArray> feed = new BatchFeeder(def, images, config, 10).batch(order, 0, n, new Rng(5));
        INDArray weights = feed.get(SameDiffGraphs.SAMPLE_WEIGHT);
        for (int i = 0; i < n; i++) {
            int label = images.label(i);
            assertEquals(label == 0 || label == 6 ? 2.0 : 1.0, weights.getDouble(i), 0, "image " + i);
        }
        float[] original = images.normalized(0);
        float[] fed = feed.get(def.input()).reshape(n, 784).getRow(0).toFloatVector();
        assertFalse(java.util.Arrays.equals(original, fed), "augmentation was applied to the weighted batch");
    }

    @Test
    void everyStepGetsAFreshDropoutMask() {
        Node dropout = def.dropoutNodes().get(0);
        double rate = ((Layer.Dropout) dropout.layer()).rate();
        Rng rng = new Rng(11);
        BatchFeeder feeder = new BatchFeeder(def, images, TrainConfig.defaults(), 10);
        INDArray first = feeder.batch(order, 0, 32, rng).get(SameDiffGraphs.maskName(dropout));
        INDArray second = feeder.batch(order, 0, 32, rng).get(SameDiffGraphs.maskName(dropout));
        assertFalse(first.equals(second), "the same mask was used twice");
        double keptFraction = first.gt(0).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).meanNumber().doubleValue();
        assertEquals(1 - rate, keptFraction, 0.03);
        assertEquals(1 / (1 - rate), first.maxNumber().doubleValue(), 1e-5);
        // and the graph really uses it: same images, different masks → different loss
        SameDiff sd = SameDiffGraphs.training(def, Weights.initialize(def, 1), 0);
        Map<String, INDArray> a = feeder.batch(order, 0, 32, new Rng(1));
        Map<String, INDArray> b = new HashMap<>(a);
        b.put(SameDiffGraphs.maskName(dropout), second);
        assertNotEquals(loss(sd, a), loss(sd, b), 1e-6);
    }

    @Test
    void aDropoutMaskTakesOneDrawOfTheRngPerUnitInOrder() {
        // the masks are part of what a seed and a checkpoint's RNG state reproduce
        Node dropout = def.dropoutNodes().get(0);
        float keep = (float) (1 - ((Layer.Dropout) dropout.layer()).rate());
        INDArray mask = BatchFeeder.mask(dropout, 8, new Rng(23));
        Rng draws = new Rng(23);
        float[] values = mask.data().asFloat();
        assertEquals(mask.length(), values.length);
        for (int i = 0; i < values.length; i++) {
            assertEquals(draws.nextFloat() < keep ? 1 / keep : 0f, values[i], "unit " + i);
        }
        assertEquals(8, mask.size(0));
    }

    private static double loss(SameDiff sd, Map<String, INDArray> feed) {
        return sd.output(feed, SameDiffGraphs.DATA_LOSS).get(SameDiffGraphs.DATA_LOSS).getDouble(0);
    }
}
