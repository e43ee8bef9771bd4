package dev.tailor.trainer.train;

import dev.tailor.trainer.data.AugmentConfig;
import java.util.Arrays;

/**
 * Everything that decides how a model is trained. Class weights multiply each example's loss by
 * its class's weight, on the augmented batches too (what Keras could not combine, per seed 004).
 * {@code maxBatchesPerEpoch} (0 = all) exists for quick runs and tests. With a step-wise
 * {@code schedule} (cosine, one-cycle) the learning rate follows it from {@code learningRate} down to
 * {@code minLearningRate}, and the plateau settings only pick the best epoch and stop early.
 * {@code averageLastEpochs} (0 = off) turns on stochastic weight averaging: the model is the mean
 * of the weights after each of the last that many epochs rather than the best epoch's.
 * {@code l2} adds a penalty on the conv/dense kernels to the loss (seed 004's Keras regularizer);
 * {@code weightDecay} instead shrinks those kernels directly each step by {@code lr × weightDecay}
 * (AdamW's decoupled weight decay, Loshchilov &amp; Hutter 2019), which Adam's per-weight scaling
 * leaves untouched. Only one of the two may be on.
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, double l2, double weightDecay, double labelSmoothing,
                          double[] classWeights, AugmentConfig augment, long seed,
                          int earlyStopPatience, int plateauPatience, double plateauFactor, double minLearningRate,
                          int maxBatchesPerEpoch, LearningRateSchedule.Kind schedule, double warmupEpochs,
                          int averageLastEpochs) {

    public TrainConfig {
        if (epochs < 1 || batchSize < 1 || learningRate <= 0 || l2 < 0 || labelSmoothing < 0 || labelSmoothing >= 1) {
            throw new IllegalArgumentException("invalid training config: epochs " + epochs + ", batch " + batchSize
                    + ", lr " + learningRate + ", l2 " + l2 + ", label smoothing " + labelSmoothing);
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("weight decay must lie in [0, 1), got " + weightDecay);
        }
        if (weightDecay > 0 && l2 > 0) {
            throw new IllegalArgumentException("L2 (" + l2 + ") and weight decay (" + weightDecay + ") both regularize the "
                    + "kernels: use one of them (--l2 0 with --weight-decay)");
        }
        if (averageLastEpochs < 0 || averageLastEpochs > epochs) {
            throw new IllegalArgumentException("the epochs to average (" + averageLastEpochs + ") must lie between 0 and the "
                    + epochs + " epochs trained");
        }
        // validates the schedule's numbers together (min ≤ base, warm-up ≥ 0)
        new LearningRateSchedule(schedule, learningRate, minLearningRate, warmupEpochs);
        if (classWeights != null) {
            if (Arrays.stream(classWeights).anyMatch(w -> w <= 0)) {
                throw new IllegalArgumentException("class weights must be positive: " + Arrays.toString(classWeights));
            }
            classWeights = classWeights.clone();
        }
    }

    /** Seed 004's settings: batch 256, Adam 1e-3, L2 1e-4, plateau halving after 2 epochs, stop after 5. */
    public static TrainConfig defaults() {
        return builder().build();
    }

    /** The learning-rate schedule these settings describe. */
    public LearningRateSchedule learningRateSchedule() {
        return new LearningRateSchedule(schedule, learningRate, minLearningRate, warmupEpochs);
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.l2 = l2;
        b.weightDecay = weightDecay;
        b.labelSmoothing = labelSmoothing;
        b.classWeights = classWeights;
        b.augment = augment;
        b.seed = seed;
        b.earlyStopPatience = earlyStopPatience;
        b.plateauPatience = plateauPatience;
        b.plateauFactor = plateauFactor;
        b.minLearningRate = minLearningRate;
        b.maxBatchesPerEpoch = maxBatchesPerEpoch;
        b.schedule = schedule;
        b.warmupEpochs = warmupEpochs;
        b.averageLastEpochs = averageLastEpochs;
        return b;
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private int epochs = 30;
        private int batchSize = 256;
        private double learningRate = 1e-3;
        private double l2 = 1e-4;
        private double weightDecay;
        private double labelSmoothing;
        private double[] classWeights;
        private AugmentConfig augment = AugmentConfig.none();
        private long seed = 42;
        private int earlyStopPatience = 5;
        private int plateauPatience = 2;
        private double plateauFactor = 0.5;
        private double minLearningRate = 1e-5;
        private int maxBatchesPerEpoch;
        private LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.PLATEAU;
        private double warmupEpochs;
        private int averageLastEpochs;

        private Builder() {
        }

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder l2(double v) {
            l2 = v;
            return this;
        }

        /** Decoupled (AdamW) weight decay on the kernels, 0 = off; needs {@code l2(0)}. */
        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder labelSmoothing(double v) {
            labelSmoothing = v;
            return this;
        }

        /** Per-class loss weights (10 values), or null for none. */
        public Builder classWeights(double[] v) {
            classWeights = v;
            return this;
        }

        public Builder augment(AugmentConfig v) {
            augment = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Epochs without validation-loss improvement before stopping (0 = never). */
        public Builder earlyStopPatience(int v) {
            earlyStopPatience = v;
            return this;
        }

        /** Epochs without improvement before the learning rate is reduced (0 = never). */
        public Builder plateauPatience(int v) {
            plateauPatience = v;
            return this;
        }

        public Builder plateauFactor(double v) {
            plateauFactor = v;
            return this;
        }

        public Builder minLearningRate(double v) {
            minLearningRate = v;
            return this;
        }

        /** Cap on batches per epoch (0 = all), for quick runs. */
        public Builder maxBatchesPerEpoch(int v) {
            maxBatchesPerEpoch = v;
            return this;
        }

        /** Plateau (the default), cosine or one-cycle; see {@link LearningRateSchedule}. */
        public Builder schedule(LearningRateSchedule.Kind v) {
            schedule = v;
            return this;
        }

        /** Linear warm-up epochs of the cosine schedule. */
        public Builder warmupEpochs(double v) {
            warmupEpochs = v;
            return this;
        }

        /** Stochastic weight averaging over the last {@code v} epochs (0 = off). */
        public Builder averageLastEpochs(int v) {
            averageLastEpochs = v;
            return this;
        }

        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, learningRate, l2, weightDecay, labelSmoothing, classWeights, augment, seed,
                    earlyStopPatience, plateauPatience, plateauFactor, minLearningRate, maxBatchesPerEpoch, schedule,
                    warmupEpochs, averageLastEpochs);
        }
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
