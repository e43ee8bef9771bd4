package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.AugmentConfig;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The cached training step computes what SameDiff's own {@code calculateGradientsAndOutputs}
 * computes: the same loss, logits and gradients, step after step, for a fixed seed. From the second
 * step on every intermediate array, and the gradient arrays themselves, come out of the step's pool,
 * so a reuse bug (an array handed out while still needed) would show there.
 */
class TrainingStepTest {
    private static final int STEPS = 4;
    private static final int BATCH = 16;

    @ParameterizedTest
    @ValueSource(strings = {"cnn4b", "miniresnet"})
    void cachedStepMatchesSameDiffsOwnGradientsStepAfterStep(String architecture) {
        ModelDef def = Architectures.byName(architecture).define(ArchitectureOptions.defaults());
        ImageSet images = TestData.trainSample(BATCH * STEPS + 40, 7); // stratified sizes round down
        TrainConfig config = TrainConfig.builder().batchSize(BATCH).augment(AugmentConfig.standard()).build();
        int[] order = IntStream.range(0, images.size()).toArray();

        SameDiff reference = SameDiffGraphs.training(def, Weights.initialize(def, 3), config.l2());
        SameDiff cached = SameDiffGraphs.training(def, Weights.initialize(def, 3), config.l2());
        Map<String, INDArray> referenceParams = SameDiffGraphs.trainableArrays(def, reference);
        Map<String, INDArray> cachedParams = SameDiffGraphs.trainableArrays(def, cached);
        AdamOptimizer referenceAdam = new AdamOptimizer(1e-3, referenceParams);
        AdamOptimizer cachedAdam = new AdamOptimizer(1e-3, cachedParams);
        List<String> outputs = List.of(SameDiffGraphs.LOSS, def.logits());
        TrainingStep step = new TrainingStep(cached, outputs, cachedParams.keySet());
        BatchFeeder feeder = new BatchFeeder(def, images, config, 10);
        Rng rng = new Rng(11);

        for (int s = 0; s < STEPS; s++) {
            Map<String, INDArray> feed = feeder.batch(order, s * BATCH, (s + 1) * BATCH, rng);
            OutAndGrad expected = reference.calculateGradientsAndOutputs(feed, outputs, referenceParams.keySet());
            try (TrainingStep.Result actual = step.run(feed)) {
                double loss = expected.getOutputs().get(SameDiffGraphs.LOSS).getDouble(0);
                assertEquals(loss, actual.outputs().get(SameDiffGraphs.LOSS).getDouble(0), 1e-5 * Math.abs(loss),
                        architecture + " loss at step " + s);
                assertClose(expected.getOutputs().get(def.logits()), actual.outputs().get(def.logits()),
                        architecture + " logits at step " + s);
                for (String p : referenceParams.keySet()) {
                    assertClose(expected.getGradients().get(p), actual.gradients().get(p),
                            architecture + " gradient of " + p + " at step " + s);
                }
                referenceAdam.step(referenceParams, expected.getGradients(), s, 0);
                cachedAdam.step(cachedParams, actual.gradients(), s, 0);
            }
        }
    }

    /** Equal within float tolerance relative to the array's largest magnitude. */
    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertEquals(List.of(expected.shape().length), List.of(actual.shape().length), what + " rank");
        assertTrue(java.util.Arrays.equals(expected.shape(), actual.shape()), what + " shape");
        double scale = Math.max(1e-8, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale, what + ": max |diff| " + diff + " vs max |value| " + scale);
    }
}
