package dev.tailor.trainer.train;

import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.stream.IntStream;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Measures training throughput (forward + backward + Adam step, augmentation and dropout masks
 * included, exactly as {@link Trainer} runs a step) and SameDiff inference throughput of one
 * architecture on real images, after warm-up batches that let the JIT compile SameDiff's paths and
 * the step's array cache fill.
 */
public final class TrainingBenchmark {
    /** One measured row. */
    public record Row(String architecture, long parameters, int batchSize, double trainImagesPerSecond,
                      double inferenceImagesPerSecond) {
    }

    private TrainingBenchmark() {
    }

    public static Row measure(ModelDef def, ImageSet images, TrainConfig config, int warmup, int batches) {
        int bs = config.batchSize();
        if (images.size() < bs) {
            throw new IllegalArgumentException("need at least one batch of images");
        }
        Weights weights = Weights.initialize(def, config.seed());
        SameDiff sd = SameDiffGraphs.training(def, weights, config.l2());
        BatchFeeder feeder = new BatchFeeder(def, images, config, 10);
        Map<String, INDArray> params = SameDiffGraphs.trainableArrays(def, sd);
        AdamOptimizer adam = new AdamOptimizer(config.learningRate(), params);
        int[] order = IntStream.range(0, images.size()).toArray();
        Rng rng = new Rng(1);
        int perEpoch = images.size() / bs;
        double train;
        try (TrainingStep step = new TrainingStep(sd, List.of(SameDiffGraphs.DATA_LOSS), params.keySet())) {
            long start = 0;
            ExecutorService prefetchThread = BatchPrefetcher.newThread();
            try (BatchPrefetcher prefetch = new BatchPrefetcher(prefetchThread, warmup + batches,
                    i -> feeder.batch(order, (i % perEpoch) * bs, (i % perEpoch) * bs + bs, rng), feeder::release)) {
                for (int i = 0; i < warmup + batches; i++) {
                    if (i == warmup) {
                        start = System.nanoTime();
                    }
                    Map<String, INDArray> feed = prefetch.next();
                    try (TrainingStep.Result r = step.run(feed)) {
                        adam.step(params, r.gradients(), i, 0);
                    } finally {
                        feeder.release(feed);
                    }
                }
            } finally {
                prefetchThread.shutdownNow();
            }
            train = (double) batches * bs / ((System.nanoTime() - start) / 1e9);
        }
        SameDiff inference = SameDiffGraphs.inference(def, weights);
        ImageSet sample = images.head(Math.min(images.size(), 2000));
        Evaluator.predict(inference, def, sample.head(Math.min(500, sample.size()))); // warm-up
        long t0 = System.nanoTime();
        Evaluator.predict(inference, def, sample);
        double infer = sample.size() / ((System.nanoTime() - t0) / 1e9);
        SameDiffGraphs.free(inference, weights);
        return new Row(def.architecture(), def.trainableParameterCount(), bs, train, infer);
    }
}
