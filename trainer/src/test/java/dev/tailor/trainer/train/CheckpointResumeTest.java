package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.AugmentConfig;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An interrupted run resumed from its checkpoint continues where it stopped — optimizer moments,
 * step count, schedule and random stream included — and ends where the uninterrupted run ends.
 */
class CheckpointResumeTest {
    @TempDir
    Path dir;

    private final ModelDef def = Architectures.byName("cnn3").define(ArchitectureOptions.defaults());
    private final ImageSet train = TestData.trainSample(1500, 21);
    private final ImageSet validation = TestData.testSample(1000, 22);
    private final TrainConfig config = TrainConfig.builder().epochs(3).batchSize(64).learningRate(2e-3)
            .augment(AugmentConfig.standard()).build();

    @Test
    void resumedRunRestoresOptimizerStateAndMatchesTheUninterruptedRun() {
        Trainer.Result straight = new Trainer(def, config, dir.resolve("straight"), new Trainer.Listener() {
        }, 10).fit(train, validation, false);

        Path cp = dir.resolve("interrupted");
        new Trainer(def, config.toBuilder().epochs(1).build(), cp, new Trainer.Listener() {
        }, 10).fit(train, validation, false);
        Checkpoint saved = Checkpoint.load(cp);
        assertEquals(1, saved.state().epoch());
        assertEquals((1500 + 63) / 64, saved.state().iteration());
        INDArray savedMoment = saved.optimizer().get("conv1_W/M");
        assertTrue(savedMoment.norm2Number().doubleValue() > 0, "Adam's first moment was saved");

        Trainer.Result resumed = new Trainer(def, config, cp, new Trainer.Listener() {
        }, 10).fit(train, validation, true);
        assertEquals(3, resumed.history().size(), "history continues across the resume");
        assertEquals(saved.state().history().get(0), resumed.history().get(0));

        // the optimizer continued from the saved moments: recomputing epoch 2 from a reset optimizer differs
        Trainer.Result reset = resetOptimizerRun(saved);
        assertEquals(2, reset.history().size(), "the reset run trains epoch 2 from the 1-epoch checkpoint");
        double straightAcc = straight.history().get(2).valAccuracy();
        double resumedAcc = resumed.history().get(2).valAccuracy();
        assertEquals(straightAcc, resumedAcc, 0.005, "uninterrupted " + straightAcc + " vs resumed " + resumedAcc);
        assertTrue(Math.abs(reset.history().get(1).valLoss() - resumed.history().get(1).valLoss()) > 1e-6
                        || !reset.bestWeights().get("conv1_W").equalsWithEps(resumed.bestWeights().get("conv1_W"), 1e-7),
                "a reset optimizer would give the same result: the resume did not restore Adam's state");

        float[][] a = Evaluator.predict(SameDiffGraphs.inference(def, straight.bestWeights()), def, validation);
        float[][] b = Evaluator.predict(SameDiffGraphs.inference(def, resumed.bestWeights()), def, validation);
        assertEquals(Evaluator.accuracy(a, validation), Evaluator.accuracy(b, validation), 0.005);
    }

    /** Resumes the 1-epoch checkpoint (read before the resumed run overwrote it) with zeroed Adam moments. */
    private Trainer.Result resetOptimizerRun(Checkpoint saved) {
        Weights zeroed = saved.optimizer().copy();
        zeroed.asMap().values().forEach(a -> a.assign(0));
        Path copy = dir.resolve("reset");
        new Checkpoint(saved.state(), saved.params(), zeroed, saved.best(), null).save(copy);
        return new Trainer(def, config.toBuilder().epochs(2).build(), copy, new Trainer.Listener() {
        }, FashionMnist.NUM_CLASSES).fit(train, validation, true);
    }
}
