package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every architecture trains: a few batches of real images make its training loss fall. */
class ArchitecturesTrainTest {

    @ParameterizedTest(name = "{0} (bottleneck={1})")
    @CsvSource({"ann,false,32,12", "cnn1,false,32,12", "cnn2,false,32,12", "cnn3,false,32,12",
            "miniresnet,false,16,10", "miniresnet,true,16,10"})
    void lossDecreasesOverAFewBatches(String name, boolean bottleneck, int batchSize, int batches) {
        ModelDef def = Architectures.byName(name).define(new ArchitectureOptions(bottleneck));
        ImageSet sample = TestData.trainSample(batchSize * batches, 7);
        List<Double> losses = new ArrayList<>();
        Trainer.Listener recorder = new Trainer.Listener() {
            private double previousSum;

            @Override
            public void batchDone(int epoch, int batch, int total, double meanLoss, double acc, double ips) {
                double sum = meanLoss * batch; // running mean → this batch's loss (equal batch sizes)
                losses.add(sum - previousSum);
                previousSum = sum;
            }
        };
        TrainConfig config = TrainConfig.builder().epochs(1).batchSize(batchSize).learningRate(3e-3)
                .earlyStopPatience(0).plateauPatience(0).build();
        new Trainer(def, config, null, recorder, FashionMnist.NUM_CLASSES).fit(sample, TestData.testSample(100, 1), false);
        double first = (losses.get(0) + losses.get(1)) / 2;
        double last = (losses.get(losses.size() - 1) + losses.get(losses.size() - 2)) / 2;
        assertTrue(last < first, name + ": loss went from " + first + " to " + last + " " + losses);
    }
}
