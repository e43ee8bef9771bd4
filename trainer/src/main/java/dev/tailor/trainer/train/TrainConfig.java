package dev.tailor.trainer.train;

import dev.tailor.trainer.data.AugmentConfig;
import java.util.Arrays;

/**
 * Everything that decides how a model is trained. Class weights multiply each example's loss by
 * its class's weight, on the augmented batches too (what Keras could not combine, per seed 004).
 * {@code maxBatchesPerEpoch} (0 = all) exists for quick runs and tests.
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, double l2, double labelSmoothing,
                          double[] classWeights, AugmentConfig augment, long seed,
                          int earlyStopPatience, int plateauPatience, double plateauFactor, double minLearningRate,
                          int maxBatchesPerEpoch) {

    public TrainConfig {
        if (epochs < 1 || batchSize < 1 || learningRate <= 0 || l2 < 0 || labelSmoothing < 0 || labelSmoothing >= 1) {
            throw new IllegalArgumentException("invalid training config: epochs " + epochs + ", batch " + batchSize
                    + ", lr " + learningRate + ", l2 " + l2 + ", label smoothing " + labelSmoothing);
        }
        if (classWeights != null) {
            if (Arrays.stream(classWeights).anyMatch(w -> w <= 0)) {
                throw new IllegalArgumentException("class weights must be positive: " + Arrays.toString(classWeights));
            }
            classWeights = classWeights.clone();
        }
    }

    /** Seed 004's settings: batch 256, Adam 1e-3, L2 1e-4, plateau halving after 2 epochs, stop after 5. */
    public static TrainConfig defaults() {
        return new TrainConfig(30, 256, 1e-3, 1e-4, 0, null, AugmentConfig.none(), 42, 5, 2, 0.5, 1e-5, 0);
    }

    public TrainConfig withEpochs(int n) {
        return new TrainConfig(n, batchSize, learningRate, l2, labelSmoothing, classWeights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withBatchSize(int n) {
        return new TrainConfig(epochs, n, learningRate, l2, labelSmoothing, classWeights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withLearningRate(double lr) {
        return new TrainConfig(epochs, batchSize, lr, l2, labelSmoothing, classWeights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withAugment(AugmentConfig a) {
        return new TrainConfig(epochs, batchSize, learningRate, l2, labelSmoothing, classWeights, a, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withClassWeights(double[] weights) {
        return new TrainConfig(epochs, batchSize, learningRate, l2, labelSmoothing, weights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withLabelSmoothing(double s) {
        return new TrainConfig(epochs, batchSize, learningRate, l2, s, classWeights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, learningRate, l2, labelSmoothing, classWeights, augment, s,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withL2(double v) {
        return new TrainConfig(epochs, batchSize, learningRate, v, labelSmoothing, classWeights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch);
    }

    public TrainConfig withMaxBatchesPerEpoch(int n) {
        return new TrainConfig(epochs, batchSize, learningRate, l2, labelSmoothing, classWeights, augment, seed,
                earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, n);
    }

    public TrainConfig withSchedule(int earlyStop, int plateau, double factor, double minLr) {
        return new TrainConfig(epochs, batchSize, learningRate, l2, labelSmoothing, classWeights, augment, seed,
                earlyStop, plateau, factor, minLr, maxBatchesPerEpoch);
    }

    @Override
    public double[] classWeights() {
        return classWeights == null ? null : classWeights.clone();
    }

    /** Weight of class {@code c} (1 without class weights). */
    public double classWeight(int c) {
        return classWeights == null ? 1.0 : classWeights[c];
    }
}
