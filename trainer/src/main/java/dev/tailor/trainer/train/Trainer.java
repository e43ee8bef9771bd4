package dev.tailor.trainer.train;

import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.model.Layer;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Node;
import dev.tailor.trainer.model.Param;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fits one model definition on a training set, validating on a held-out set after every epoch.
 * Owns the loop SameDiff's {@code fit()} would run, because M2.1's {@code fit()} hides the loss,
 * the batch moments and the optimizer state: each step computes gradients and outputs in one
 * pass ({@link TrainingStep}, whose arrays are reused from step to step), sets the learning rate
 * when the schedule is step-wise, applies Adam, and folds the batch moments into the running
 * statistics. After each epoch it evaluates the inference graph, steps the plateau scheduler (which
 * also keeps the best epoch and stops early), folds the weights into the running mean when
 * stochastic weight averaging covers the epoch, and writes a checkpoint.
 */
public final class Trainer {
    /** Receives progress; both methods are optional. */
    public interface Listener {
        default void epochStart(int epoch, int totalEpochs, int batches) {
        }

        default void batchDone(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
        }

        default void epochDone(EpochStats stats, int totalEpochs) {
        }
    }

    /**
     * The outcome: the best epoch's weights (by validation loss), the history, and, with stochastic
     * weight averaging, the mean of the last {@code averagedEpochs} epochs' weights ({@code
     * averageWeights}; null, and 0 epochs, when averaging was off or the run stopped before it began).
     */
    public record Result(Weights bestWeights, int bestEpoch, List<EpochStats> history, double trainSeconds,
                         double imagesPerSecond, Weights averageWeights, int averagedEpochs) {
        /** The model the run leaves: the weight average when there is one, else the best epoch. */
        public Weights modelWeights() {
            return averageWeights != null ? averageWeights : bestWeights;
        }
    }

    private final ModelDef def;
    private final TrainConfig config;
    private final Path checkpointDir;
    private final Listener listener;
    private final int numClasses;
    private final TeacherTargets teacher;

    /** {@code checkpointDir} may be null (no checkpoints, no resume). */
    public Trainer(ModelDef def, TrainConfig config, Path checkpointDir, Listener listener, int numClasses) {
        this(def, config, checkpointDir, listener, numClasses, null);
    }

    /** As above, distilling from {@code teacher} (null: none), whose targets cover the training images given to fit. */
    public Trainer(ModelDef def, TrainConfig config, Path checkpointDir, Listener listener, int numClasses,
                   TeacherTargets teacher) {
        this.teacher = teacher;
        this.def = def;
        this.config = config;
        this.checkpointDir = checkpointDir;
        this.listener = listener;
        this.numClasses = numClasses;
    }

    /** Trains from scratch, or from the checkpoint when {@code resume} is set. */
    public Result fit(ImageSet train, ImageSet validation, boolean resume) {
        return fit(train, validation, resume, null);
    }

    /**
     * Fine-tunes: a fresh run (new optimizer, schedule and history) whose weights start from
     * {@code initial} rather than from random initialisation, e.g. a run trained with augmentation
     * refined on clean images. {@code initial} is copied, not consumed.
     */
    public Result fitFrom(ImageSet train, ImageSet validation, Weights initial) {
        initial.checkMatches(def);
        return fit(train, validation, false, initial);
    }

    private Result fit(ImageSet train, ImageSet validation, boolean resume, Weights initial) {
        Weights weights;
        Weights best;
        TrainingState state;
        WeightAverage average = null;
        Checkpoint restored = null;
        if (resume) {
            restored = Checkpoint.load(checkpointDir);
            if (!restored.state().architecture().equals(def.architecture())) {
                throw new IllegalArgumentException("checkpoint in " + checkpointDir + " is a "
                        + restored.state().architecture() + ", not a " + def.architecture());
            }
            weights = restored.params();
            best = restored.best();
            state = restored.state();
            if (restored.average() != null) {
                int averaged = state.epoch() - firstAveragedEpoch() + 1;
                if (averaged < 1) {
                    throw new IllegalArgumentException("checkpoint in " + checkpointDir + " holds a weight average from epoch "
                            + state.epoch() + " that --average-last " + config.averageLastEpochs() + " of "
                            + config.epochs() + " epochs does not cover: resume with the options the run started with");
                }
                average = new WeightAverage(restored.average(), averaged);
            }
        } else {
            weights = initial != null ? initial.copy() : Weights.initialize(def, config.seed());
            best = weights.copy();
            state = new TrainingState(def.architecture(), 0, 0, config.learningRate(), config.seed() ^ 0x5DEECE66DL,
                    PlateauScheduler.State.initial(), List.of(), 0);
        }
        SameDiff sd = SameDiffGraphs.training(def, weights, config.l2());
        Map<String, INDArray> params = SameDiffGraphs.trainableArrays(def, sd);
        AdamOptimizer adam = new AdamOptimizer(state.learningRate(), params, config.weightDecay(), Set.copyOf(def.kernelNames()));
        if (restored != null) {
            adam.restore(restored.optimizer());
        }
        PlateauScheduler scheduler = new PlateauScheduler(config.plateauPatience(), config.plateauFactor(),
                config.minLearningRate(), config.earlyStopPatience(), state.scheduler());
        Rng rng = new Rng(state.rngState());
        BatchFeeder feeder = new BatchFeeder(def, train, config, numClasses, teacher);
        List<String> outputs = new ArrayList<>(List.of(SameDiffGraphs.DATA_LOSS, def.logits()));
        for (Node bn : def.batchNormNodes()) {
            outputs.add(SameDiffGraphs.batchMeanName(bn));
            outputs.add(SameDiffGraphs.batchVarName(bn));
        }
        List<EpochStats> history = new ArrayList<>(state.history());
        int iteration = state.iteration();
        double trainSeconds = state.trainSeconds();
        LearningRateSchedule schedule = config.learningRateSchedule();
        int batchesPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
        if (config.maxBatchesPerEpoch() > 0) {
            batchesPerEpoch = Math.min(batchesPerEpoch, config.maxBatchesPerEpoch());
        }
        long totalSteps = (long) batchesPerEpoch * config.epochs();
        boolean validating = validation.size() > 0; // a refit on the whole training set has no validation images
        // closing the step frees its pooled intermediates when training ends, not when the GC gets round to it
        ExecutorService prefetchThread = BatchPrefetcher.newThread();
        try (TrainingStep step = new TrainingStep(sd, outputs, params.keySet())) {
            for (int epoch = state.epoch() + 1; epoch <= config.epochs(); epoch++) {
                int[] order = new int[train.size()];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                rng.shuffle(order);
                int batches = batchesPerEpoch;
                listener.epochStart(epoch, config.epochs(), batches);
                long start = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                int size = config.batchSize();
                try (BatchPrefetcher prefetch = new BatchPrefetcher(prefetchThread, batches,
                        b -> feeder.batch(order, b * size, Math.min(order.length, (b + 1) * size), rng), feeder::release)) {
                    for (int b = 0; b < batches; b++) {
                        int from = b * size;
                        int n = Math.min(order.length, from + size) - from;
                        Map<String, INDArray> feed = prefetch.next();
                        if (schedule.stepwise()) {
                            adam.setLearningRate(schedule.rate(iteration, totalSteps, batchesPerEpoch));
                        }
                        try (TrainingStep.Result r = step.run(feed)) {
                            adam.step(params, r.gradients(), iteration, epoch - 1);
                            updateRunningStats(weights, r.outputs());
                            lossSum += r.outputs().get(SameDiffGraphs.DATA_LOSS).getDouble(0) * n;
                            correct += countCorrect(r.outputs().get(def.logits()), train, order, from);
                        } finally {
                            feeder.release(feed);
                        }
                        iteration++;
                        seen += n;
                        double elapsed = (System.nanoTime() - start) / 1e9;
                        listener.batchDone(epoch, b + 1, batches, lossSum / seen, (double) correct / seen, seen / elapsed);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                trainSeconds += seconds;
                Weights snapshot = snapshot(params, weights);
                double valLoss = Double.NaN; // no validation images (a refit on the whole training set): not measured
                double valAcc = Double.NaN;
                if (validating) {
                    SameDiff inference = SameDiffGraphs.inference(def, snapshot);
                    float[][] valProbs = Evaluator.predict(inference, def, validation);
                    SameDiffGraphs.free(inference, snapshot);
                    valLoss = Evaluator.crossEntropy(valProbs, validation);
                    valAcc = Evaluator.accuracy(valProbs, validation);
                }
                EpochStats stats = new EpochStats(epoch, lossSum / seen, (double) correct / seen, valLoss, valAcc,
                        adam.learningRate(), seconds, seen / seconds);
                history.add(stats);
                listener.epochDone(stats, config.epochs());
                PlateauScheduler.Decision decision = validating
                        ? scheduler.onEpochEnd(epoch, valLoss, adam.learningRate())
                        : scheduler.onEpochEndWithoutValidation(epoch, adam.learningRate());
                if (epoch >= firstAveragedEpoch()) {
                    if (average == null) {
                        average = WeightAverage.startingWith(snapshot);
                    } else {
                        average.add(snapshot);
                    }
                }
                Weights superseded = decision.improved() ? best : null;
                if (decision.improved()) {
                    best = snapshot;
                }
                if (!schedule.stepwise()) {
                    adam.setLearningRate(decision.learningRate());
                }
                if (checkpointDir != null) {
                    Weights moments = adam.state();
                    new Checkpoint(new TrainingState(def.architecture(), epoch, iteration, adam.learningRate(), rng.state(),
                            scheduler.state(), history, trainSeconds), snapshot, moments, best,
                            average == null ? null : average.mean()).save(checkpointDir);
                    moments.free();
                }
                // free the epoch's copies now: the garbage collector, seeing only small Java objects, may not run for hours
                if (superseded != null) {
                    superseded.free();
                } else if (snapshot != best) {
                    snapshot.free();
                }
                if (decision.stop()) {
                    break;
                }
            }
        } finally {
            prefetchThread.shutdownNow();
        }
        double imagesPerSecond = history.stream().mapToDouble(EpochStats::imagesPerSecond).average().orElse(0);
        return new Result(best, scheduler.state().bestEpoch(), history, trainSeconds, imagesPerSecond,
                average == null ? null : average.mean(), average == null ? 0 : average.count());
    }

    /** The first epoch whose weights join the average (past the last epoch when averaging is off). */
    private int firstAveragedEpoch() {
        return config.averageLastEpochs() == 0 ? Integer.MAX_VALUE : config.epochs() - config.averageLastEpochs() + 1;
    }

    /** running = momentum · running + (1 − momentum) · batch, per batch-norm layer. */
    private void updateRunningStats(Weights weights, Map<String, INDArray> outputs) {
        for (Node bn : def.batchNormNodes()) {
            double m = ((Layer.BatchNorm) bn.layer()).momentum();
            INDArray runMean = weights.get(bn.name() + ModelDef.MEAN);
            INDArray runVar = weights.get(bn.name() + ModelDef.VAR);
            INDArray mean = outputs.get(SameDiffGraphs.batchMeanName(bn)).reshape(runMean.shape());
            INDArray var = outputs.get(SameDiffGraphs.batchVarName(bn)).reshape(runVar.shape());
            runMean.muli(m).addi(mean.mul(1 - m));
            runVar.muli(m).addi(var.mul(1 - m));
        }
    }

    /** Copies of the current trainable parameters plus running statistics. */
    private Weights snapshot(Map<String, INDArray> params, Weights weights) {
        Weights w = new Weights();
        for (Param p : def.params()) {
            w.put(p.name(), (p.role().trainable() ? params.get(p.name()) : weights.get(p.name())).dup());
        }
        return w;
    }

    /** How many rows of {@code logits} pick the true label of images {@code order[from..]} (read from the set, not the smoothed labels). */
    private static long countCorrect(INDArray logits, ImageSet images, int[] order, int from) {
        float[][] rows = logits.toFloatMatrix();
        long correct = 0;
        for (int row = 0; row < rows.length; row++) {
            if (Evaluator.argmax(rows[row]) == images.label(order[from + row])) {
                correct++;
            }
        }
        return correct;
    }
}
