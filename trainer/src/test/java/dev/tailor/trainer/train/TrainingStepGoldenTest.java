package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.AugmentConfig;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Today's training step (the leaner batch-norm graph, run through {@link TrainingStep} and its
 * array pool) computes what the step computed before the throughput work: for a fixed seed, the
 * same loss and the same gradient of every parameter, on two batches in a row (the second one
 * running on pooled arrays), against values recorded from the earlier code
 * ({@code golden/training-step.tsv}). The weights stay put between the two: Adam would turn the
 * rounding noise of the bias gradients before batch norm into full-size updates and hide the
 * comparison behind it.
 */
class TrainingStepGoldenTest {
    private static final int BATCH = 16;

    @ParameterizedTest
    @ValueSource(strings = {"cnn4b", "miniresnet"})
    void stepMatchesTheRecordedLossAndGradientsOfTheEarlierCode(String architecture) throws IOException {
        Map<String, Double> golden = golden(architecture);
        ModelDef def = Architectures.byName(architecture).define(ArchitectureOptions.defaults());
        ImageSet images = TestData.trainSample(100, 7);
        TrainConfig config = TrainConfig.builder().batchSize(BATCH).augment(AugmentConfig.standard()).build();
        int[] order = IntStream.range(0, images.size()).toArray();
        SameDiff sd = SameDiffGraphs.training(def, Weights.initialize(def, 3), config.l2());
        Map<String, INDArray> params = SameDiffGraphs.trainableArrays(def, sd);
        BatchFeeder feeder = new BatchFeeder(def, images, config, 10);
        Rng rng = new Rng(11);
        int checked = 0;
        try (TrainingStep step = new TrainingStep(sd, List.of(SameDiffGraphs.LOSS), params.keySet())) {
            for (int s = 0; s < 2; s++) {
                Map<String, INDArray> feed = feeder.batch(order, s * BATCH, (s + 1) * BATCH, rng);
                String prefix = s + "/";
                double scale = golden.entrySet().stream().filter(e -> e.getKey().startsWith(prefix) && !e.getKey().endsWith("loss"))
                        .mapToDouble(Map.Entry::getValue).max().orElseThrow();
                try (TrainingStep.Result r = step.run(feed)) {
                    assertClose(golden, prefix + "loss", r.outputs().get(SameDiffGraphs.LOSS).getDouble(0), scale);
                    for (String p : params.keySet()) {
                        assertClose(golden, prefix + p, r.gradients().get(p).norm2Number().doubleValue(), scale);
                        checked++;
                    }
                }
            }
        }
        assertEquals(golden.size() - 2, checked, "every recorded gradient was compared");
    }

    /**
     * Within float tolerance: 1e-3 relative, plus 1e-4 of the step's largest gradient norm, because
     * the bias of a conv that feeds batch norm has a gradient that is zero but for rounding noise.
     */
    private static void assertClose(Map<String, Double> golden, String key, double actual, double scale) {
        Double expected = golden.get(key);
        assertNotNull(expected, "no recorded value for " + key);
        assertEquals(expected, actual, 1e-3 * Math.abs(expected) + 1e-4 * scale, key);
    }

    private static Map<String, Double> golden(String architecture) throws IOException {
        Map<String, Double> values = new HashMap<>();
        try (InputStream in = TrainingStepGoldenTest.class.getResourceAsStream("/golden/training-step.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split("\t");
                if (!line.startsWith("#") && f.length == 4 && f[0].equals(architecture)) {
                    values.put(f[1] + "/" + f[2], Double.parseDouble(f[3]));
                }
            }
        }
        return values;
    }
}
