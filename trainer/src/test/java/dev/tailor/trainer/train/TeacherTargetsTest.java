package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tailor.trainer.TestData;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The teachers' soft targets: softened as softmax(logits / T) would be, and blended into each image's own target. */
class TeacherTargetsTest {
    @Test
    void softeningIsThePowerOneOverTRenormalised() {
        float[] summed = {0.6f * 2, 0.3f * 2, 0.1f * 2}; // two teachers' sum
        TeacherTargets.soften(summed, 2, 2);
        double total = Math.sqrt(0.6) + Math.sqrt(0.3) + Math.sqrt(0.1);
        assertArrayEquals(new float[]{(float) (Math.sqrt(0.6) / total), (float) (Math.sqrt(0.3) / total),
                (float) (Math.sqrt(0.1) / total)}, summed, 1e-6f);
        float[] same = {0.7f, 0.2f, 0.1f};
        TeacherTargets.soften(same, 1, 1);
        assertArrayEquals(new float[]{0.7f, 0.2f, 0.1f}, same, 1e-6f, "temperature 1 keeps the probabilities");
    }

    @Test
    void eachImagesTargetBlendsItsLabelWithItsTeachersAnswer() {
        ImageSet images = TestData.trainSample(40, 3);
        int n = images.size();
        ModelDef def = Architectures.byName("cnn1").define(ArchitectureOptions.defaults());
        float[][] soft = new float[n][10];
        for (int i = 0; i < n; i++) {
            soft[i][(images.label(i) + 1) % 10] = 1; // a teacher that always names the next class
        }
        TrainConfig config = TrainConfig.builder().augment(dev.tailor.trainer.data.AugmentConfig.none()).build();
        BatchFeeder feeder = new BatchFeeder(def, images, config, 10, TeacherTargets.of(soft, 0.25, 1));
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = (7 * k + 3) % n; // not the images' own order
        }
        Map<String, INDArray> feed = feeder.batch(order, 0, n, new Rng(1));
        float[][] targets = feed.get(SameDiffGraphs.LABEL).toFloatMatrix();
        for (int k = 0; k < n; k++) {
            int i = order[k];
            float[] expected = new float[10];
            expected[images.label(i)] = 0.75f;
            expected[(images.label(i) + 1) % 10] = 0.25f;
            assertArrayEquals(expected, targets[k], 1e-6f, "image " + i);
        }
        feeder.release(feed);
        assertThrows(IllegalArgumentException.class,
                () -> new BatchFeeder(def, images, config, 10, TeacherTargets.of(new float[n + 1][10], 0.5, 1)));
        assertThrows(IllegalArgumentException.class, () -> TeacherTargets.of(soft, 0.5, 0.5));
    }
}
