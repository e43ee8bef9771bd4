package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.AugmentConfig;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.train.Distillation;
import dev.tailor.trainer.train.LearningRateSchedule;
import dev.tailor.trainer.train.TrainConfig;
import dev.tailor.trainer.train.TrainingRun;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer train}: trains one architecture into a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a classifier on Fashion-MNIST and write model, report.json, plots and train.log to --out.")
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME",
            description = "Architecture: cnn4b, miniresnet, ann, cnn1, cnn2, cnn3")
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder to write (e.g. runs/cnn4b)")
    Path out;

    @Option(names = "--epochs", defaultValue = "30", description = "Maximum epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "256", description = "Mini-batch size (default: ${DEFAULT-VALUE}, as seed 004 found)")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--l2", defaultValue = "0.0001", description = "L2 factor on conv/dense kernels, added to the loss "
            + "(default: ${DEFAULT-VALUE}, seed 004's; 0 when --weight-decay is given)")
    double l2;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "W",
            description = "Decoupled weight decay on conv/dense kernels (AdamW): each step multiplies them by 1 - lr * W, "
                    + "e.g. 0.05; replaces --l2 (default: ${DEFAULT-VALUE}, off)")
    double weightDecay;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "Label smoothing in [0,1) (default: ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--class-weights", split = ",", paramLabel = "W",
            description = "10 comma-separated per-class loss weights, e.g. 1.3,1,1,1,1,1,1.5,1,1,1 (default: none)")
    double[] classWeights;

    @Option(names = "--augment", defaultValue = "auto", paramLabel = "on|mild|off|auto",
            description = "on = seed 004's shift/zoom/shear/flip augmentation; mild = flips and whole-pixel shifts of "
                    + "up to 2 px only; auto = on for cnn4b, off otherwise (as in seed 004)")
    String augment;

    @Option(names = "--rotation", defaultValue = "0", description = "Rotation range in degrees when augmenting (default: 0, seed 004 found it hurts)")
    double rotation;

    @Option(names = "--random-erasing", defaultValue = "0", paramLabel = "P",
            description = "Probability of random erasing (a noise rectangle of 2-40%% of the image) per training image, "
                    + "applied whether or not --augment is on (default: ${DEFAULT-VALUE}; 0.5 is the usual choice)")
    double randomErasing;

    @Option(names = "--schedule", defaultValue = "plateau", paramLabel = "plateau|cosine|onecycle",
            description = "Learning-rate schedule: plateau (ReduceLROnPlateau, seed 004), cosine (warm-up, then cosine "
                    + "decay to --min-lr) or onecycle (Smith's one-cycle, peak --lr). Default: ${DEFAULT-VALUE}")
    String schedule;

    @Option(names = "--warmup-epochs", defaultValue = "0", description = "Linear warm-up epochs for --schedule cosine (default: ${DEFAULT-VALUE})")
    double warmupEpochs;

    @Option(names = "--average-last", defaultValue = "0", paramLabel = "N",
            description = "Stochastic weight averaging: the model is the mean of the weights after each of the last N "
                    + "epochs (batch-norm statistics averaged too) instead of the best epoch's (default: 0 = off)")
    int averageLast;

    @Option(names = "--split", defaultValue = "80/20", paramLabel = "80/20|60/20/20|all",
            description = "Stratified split of the official training set: train/validation (80/20, seed 004), "
                    + "train/validation/test (60/20/20, seed 000), or all: a final refit on all 60,000 images with no "
                    + "validation, where the last epoch is the model (needs --schedule cosine or onecycle and "
                    + "--patience 0). Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for split, init, shuffling, augmentation, dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--patience", defaultValue = "5", description = "Early stopping: epochs without val-loss improvement (0 = off; default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--plateau-patience", defaultValue = "2", description = "ReduceLROnPlateau patience in epochs (0 = off; default: ${DEFAULT-VALUE})")
    int plateauPatience;

    @Option(names = "--plateau-factor", defaultValue = "0.5", description = "ReduceLROnPlateau factor (default: ${DEFAULT-VALUE})")
    double plateauFactor;

    @Option(names = "--min-lr", defaultValue = "1e-5", description = "Lowest learning rate (default: ${DEFAULT-VALUE})")
    double minLr;

    @Option(names = "--bottleneck", description = "MiniResNet with 1x1-3x3-1x1 bottleneck blocks")
    boolean bottleneck;

    @Option(names = "--train-limit", defaultValue = "0", description = "Use at most this many training images (0 = all)")
    int trainLimit;

    @Option(names = "--val-limit", defaultValue = "0", description = "Use at most this many validation images (0 = all)")
    int valLimit;

    @Option(names = "--max-batches", defaultValue = "0", description = "Stop each epoch after this many batches (0 = all)")
    int maxBatches;

    @Option(names = "--resume", description = "Continue from the checkpoint in --out (weights, optimizer, schedule, RNG)")
    boolean resume;

    @Option(names = "--init-from", paramLabel = "RUN_DIR",
            description = "Start from the trained weights in this run folder (same architecture) instead of random ones: "
                    + "a new run with its own optimizer and schedule, e.g. to fine-tune on clean images with a low --lr "
                    + "after an augmented run, or from a shipped model turned back into a run folder by 'exporter import'. "
                    + "Recorded in report.json and the model's metadata")
    Path initFrom;

    @Option(names = "--distill-from", paramLabel = "RUN_DIR", split = ",",
            description = "Knowledge distillation: blend the mean answer of these trained run folders (an ensemble, any "
                    + "architectures; 'exporter import' turns a shipped model into one) into every training target. "
                    + "Their answers on the clean training images are taken once at the start. Recorded in report.json")
    List<Path> distillFrom;

    @Option(names = "--distill-weight", defaultValue = "0.5", paramLabel = "W",
            description = "The teachers' share of each training target, in (0,1] (default: ${DEFAULT-VALUE})")
    double distillWeight;

    @Option(names = "--distill-temperature", defaultValue = "2", paramLabel = "T",
            description = "Softens the teachers' answer, p^(1/T) renormalised, as softmax(logits/T); >= 1 "
                    + "(default: ${DEFAULT-VALUE})")
    double distillTemperature;

    @Option(names = "--no-progress", negatable = false, description = "Print only one line per epoch (no progress bar)")
    boolean noProgress;

    @Mixin
    DataOption data;

    @Override
    public Integer call() {
        if (!Architectures.names().contains(model)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown model '" + model + "'; known: " + String.join(", ", Architectures.names()));
        }
        if (classWeights != null && classWeights.length != FashionMnist.NUM_CLASSES) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--class-weights needs 10 values, got " + classWeights.length);
        }
        double[] fractions = switch (split) {
            case "80/20" -> new double[]{0.8, 0.2};
            case "60/20/20" -> new double[]{0.6, 0.2, 0.2};
            case "all" -> new double[]{1.0};
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--split must be 80/20, 60/20/20 or all, got " + split);
        };
        AugmentConfig aug = switch (augment) {
            case "on" -> AugmentConfig.standard();
            case "mild" -> AugmentConfig.mild();
            case "off" -> AugmentConfig.none();
            case "auto" -> model.equals("cnn4b") ? AugmentConfig.standard() : AugmentConfig.none();
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--augment must be on, mild, off or auto");
        };
        if (aug.enabled() && rotation > 0) {
            aug = aug.withRotation(rotation);
        }
        TrainConfig config;
        try {
            // --weight-decay replaces the default L2; an L2 the user typed too is a conflict TrainConfig reports
            double penalty = weightDecay > 0 && !spec.commandLine().getParseResult().hasMatchedOption("--l2") ? 0 : l2;
            config = new TrainConfig(epochs, batchSize, learningRate, penalty, weightDecay, labelSmoothing, classWeights,
                    aug.withErasing(randomErasing), seed, patience, plateauPatience, plateauFactor, minLr, maxBatches,
                    LearningRateSchedule.Kind.parse(schedule), warmupEpochs, averageLast);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        TrainingRun.Spec run;
        try { // the spec checks its options (e.g. --init-from with --resume) before the data is read
            Distillation distillation = distillFrom == null || distillFrom.isEmpty() ? null
                    : new Distillation(distillFrom, distillWeight, distillTemperature);
            run = new TrainingRun.Spec(model, new ArchitectureOptions(bottleneck), config, fractions, trainLimit,
                    valLimit, out, resume, !noProgress && System.console() != null, initFrom, distillation);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        FashionMnist dataset = FashionMnist.load(data.resolve());
        new TrainingRun(dataset, System.out).run(run);
        return 0;
    }
}
