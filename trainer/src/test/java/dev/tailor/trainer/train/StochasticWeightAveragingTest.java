package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Weights;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * With {@code averageLastEpochs}, a real training run (cnn4b, with batch norm; a few batches per
 * epoch) leaves the mean of its last epochs' weights, running statistics included, and keeps that
 * mean in its checkpoint so a resumed run continues it.
 */
class StochasticWeightAveragingTest {
    @TempDir
    Path dir;

    private final ModelDef def = Architectures.byName("cnn4b").define(ArchitectureOptions.defaults());
    private final ImageSet train = TestData.trainSample(512, 31);
    private final ImageSet validation = TestData.testSample(256, 32);
    private final TrainConfig config = TrainConfig.builder().epochs(3).batchSize(64).learningRate(2e-3)
            .maxBatchesPerEpoch(3).averageLastEpochs(2).build();

    private Trainer trainer(TrainConfig c, Path checkpoint) {
        return new Trainer(def, c, checkpoint, new Trainer.Listener() {
        }, 10);
    }

    @Test
    void averageOfTheLastTwoEpochsSurvivesAResumeAndIsTheModel() {
        Path cp = dir.resolve("run");
        // stop after epoch 2 (the first averaged one), as an interruption would
        Trainer.Result firstPart = trainer(config.toBuilder().epochs(2).averageLastEpochs(1).build(), cp)
                .fit(train, validation, false);
        assertEquals(1, firstPart.averagedEpochs());
        Checkpoint afterTwo = Checkpoint.load(cp);
        Weights epochTwo = afterTwo.params();
        assertTrue(afterTwo.average() != null && Files.isRegularFile(cp.resolve("average.bin")));
        assertClose(epochTwo, afterTwo.average(), "one averaged epoch is that epoch's weights");

        Trainer.Result resumed = trainer(config, cp).fit(train, validation, true);
        Weights epochThree = Checkpoint.load(cp).params();
        assertEquals(2, resumed.averagedEpochs());
        assertEquals(3, resumed.history().size());
        for (String name : epochTwo.asMap().keySet()) {
            INDArray expected = epochTwo.get(name).add(epochThree.get(name)).divi(2);
            assertTrue(expected.equalsWithEps(resumed.averageWeights().get(name), 1e-6), name + " is not the mean of epochs 2 and 3");
        }
        assertFalse(epochThree.get("dense1_W").equalsWithEps(resumed.modelWeights().get("dense1_W"), 1e-6),
                "the model is the average, not the last epoch");
        assertFalse(epochTwo.get("block4_bn_mean").equalsWithEps(epochThree.get("block4_bn_mean"), 1e-6),
                "running statistics moved between the epochs, so their mean is a real test");
    }

    @Test
    void resumingWithOptionsThatDoNotCoverTheSavedAverageIsRefused() {
        Path cp = dir.resolve("run");
        trainer(config.toBuilder().epochs(2).averageLastEpochs(1).build(), cp).fit(train, validation, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(config.toBuilder().epochs(6).averageLastEpochs(2).build(), cp).fit(train, validation, true));
        assertTrue(e.getMessage().contains("resume with the options the run started with"), e.getMessage());
    }

    @Test
    void withoutAveragingTheModelIsTheBestEpoch() {
        Trainer.Result r = trainer(config.toBuilder().averageLastEpochs(0).epochs(1).build(), null).fit(train, validation, false);
        assertNull(r.averageWeights());
        assertEquals(0, r.averagedEpochs());
        assertTrue(r.modelWeights() == r.bestWeights());
    }

    private static void assertClose(Weights expected, Weights actual, String what) {
        for (String name : expected.asMap().keySet()) {
            assertTrue(expected.get(name).equalsWithEps(actual.get(name), 1e-7), what + ": " + name);
        }
    }
}
