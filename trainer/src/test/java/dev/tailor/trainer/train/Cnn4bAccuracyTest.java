package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import org.junit.jupiter.api.Test;

/** CNN4b learns Fashion-MNIST: two epochs on 6,000 real images give ≥ 78 % on 2,000 held-out ones. */
class Cnn4bAccuracyTest {

    @Test
    void twoEpochsOnSixThousandImagesReach78Percent() {
        ModelDef def = Architectures.byName("cnn4b").define(ArchitectureOptions.defaults());
        ImageSet train = TestData.trainSample(6000, 11);
        ImageSet heldOut = TestData.testSample(2000, 12);
        TrainConfig config = TrainConfig.builder().epochs(2).batchSize(64).learningRate(2e-3).build();
        Trainer.Result result = new Trainer(def, config, null, new Trainer.Listener() {
        }, FashionMnist.NUM_CLASSES).fit(train, heldOut, false);
        float[][] probs = Evaluator.predict(SameDiffGraphs.inference(def, result.bestWeights()), def, heldOut);
        double accuracy = Evaluator.accuracy(probs, heldOut);
        System.out.printf("cnn4b: 2 epochs x 6000 images -> held-out accuracy %.4f (%.0f img/s)%n",
                accuracy, result.imagesPerSecond());
        assertTrue(accuracy >= 0.78, "held-out accuracy " + accuracy);
    }
}
