package dev.tailor.trainer.train;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.StratifiedSplit;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.report.ClassificationReport;
import dev.tailor.trainer.report.Plots;
import dev.tailor.trainer.report.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One end-to-end training run into an output folder: split the official training set
 * (stratified, seeded), train with checkpoints, evaluate the best epoch (or, with stochastic weight
 * averaging, the mean of the last epochs' weights) on the official test set
 * (or seed 000's own 20 % test part), and write the model, {@code report.json}, the PNG plots and
 * {@code train.log}.
 */
public final class TrainingRun {
    /**
     * What to train and where; {@code trainLimit}/{@code valLimit} (0 = all) cap the images used;
     * {@code initFrom}, when not null, is a run folder whose trained weights the run starts from
     * (fine-tuning) instead of random ones. A {@code split} of one part ({@code {1.0}}) trains on
     * the whole training set without validation: nothing can then lower the rate on a plateau or
     * stop early, so the schedule must be a fixed one, and the last epoch is the model.
     * {@code distillation}, when not null, blends its teachers' answers into the training targets.
     */
    public record Spec(String architecture, ArchitectureOptions options, TrainConfig config, double[] split,
                       int trainLimit, int valLimit, Path out, boolean resume, boolean progressBar, Path initFrom,
                       Distillation distillation) {
        /** A run that distils from no teacher. */
        public Spec(String architecture, ArchitectureOptions options, TrainConfig config, double[] split,
                    int trainLimit, int valLimit, Path out, boolean resume, boolean progressBar, Path initFrom) {
            this(architecture, options, config, split, trainLimit, valLimit, out, resume, progressBar, initFrom, null);
        }

        public Spec {
            if (initFrom != null && resume) {
                throw new IllegalArgumentException("--init-from starts a new run; it cannot be combined with --resume "
                        + "(resume the fine-tuning run itself with --resume alone)");
            }
            if (split.length == 1 && (!config.learningRateSchedule().stepwise() || config.earlyStopPatience() > 0)) {
                throw new IllegalArgumentException("--split all leaves no validation images to watch: use --schedule "
                        + "cosine or onecycle and --patience 0 (the last epoch is the model)");
            }
        }
    }

    private final FashionMnist data;
    private final PrintStream console;

    public TrainingRun(FashionMnist data, PrintStream console) {
        this.data = data;
        this.console = console;
    }

    /** Runs {@code spec} and returns the written report. */
    public TrainingReport run(Spec spec) {
        long start = System.nanoTime();
        ModelDef def = Architectures.byName(spec.architecture()).define(spec.options());
        TrainedModel initial = spec.initFrom() == null ? null : startingModel(spec, def);
        TrainConfig config = spec.config();
        List<int[]> parts = StratifiedSplit.split(data.train().labels(), FashionMnist.NUM_CLASSES, spec.split(), config.seed());
        ImageSet train = data.train().subset(limit(parts.get(0), spec.trainLimit()));
        // a refit on the whole training set (one part) has no validation images
        ImageSet validation = data.train().subset(parts.size() > 1 ? limit(parts.get(1), spec.valLimit()) : new int[0]);
        // seed 000's 60/20/20 holds its own test part; otherwise the untouched official test set
        ImageSet test = parts.size() > 2 ? data.train().subset(parts.get(2)) : data.test();
        try {
            Files.createDirectories(spec.out());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + spec.out(), e);
        }
        TeacherTargets teacher = null;
        Map<String, Object> distilledFrom = null; // what report.json says of the teachers
        if (spec.distillation() != null) {
            Distillation distillation = spec.distillation();
            List<TrainedModel> teachers = distillation.teachers().stream().map(TrainedModel::load).toList();
            // answers of the clean training images, taken once (a resumed run takes the same ones again)
            long t0 = System.nanoTime();
            teacher = TeacherTargets.compute(teachers, train, distillation.weight(), distillation.temperature());
            console.printf("distilling from %d teacher(s) (weight %.2f, temperature %.1f): answers for %,d training"
                            + " images in %.0f s%n", teachers.size(), teacher.weight(), teacher.temperature(), train.size(),
                    (System.nanoTime() - t0) / 1e9);
            List<Map<String, Object>> described = new java.util.ArrayList<>();
            for (int t = 0; t < teachers.size(); t++) {
                described.add(teachers.get(t).provenance(distillation.teachers().get(t)));
            }
            distilledFrom = Map.of("teachers", described, "weight", distillation.weight(),
                    "temperature", distillation.temperature());
        }
        console.printf("%s: %,d trainable parameters; %,d train / %,d validation / %,d test images; batch %d, %d epochs%n",
                def.architecture(), def.trainableParameterCount(), train.size(), validation.size(), test.size(),
                config.batchSize(), config.epochs());
        Trainer.Result result;
        try (ConsoleProgress progress = new ConsoleProgress(console, spec.out().resolve("train.log"), spec.progressBar())) {
            Trainer trainer = new Trainer(def, config, spec.out().resolve("checkpoint"), progress, FashionMnist.NUM_CLASSES,
                    teacher);
            result = initial == null ? trainer.fit(train, validation, spec.resume())
                    : trainer.fitFrom(train, validation, initial.weights());
        }
        Map<String, Object> configMap = new LinkedHashMap<>(TrainedModel.asMap(config));
        if (initial != null) {
            // the card must say the weights did not start from scratch, and from which run
            configMap.put("initFrom", Map.of("run", spec.initFrom().toAbsolutePath().normalize().toString(),
                    "configDigest", initial.info().configDigest(), "config", initial.info().trainConfig()));
        }
        if (distilledFrom != null) {
            configMap.put("distillation", distilledFrom);
        }
        configMap.put("split", spec.split());
        configMap.put("trainImages", train.size());
        configMap.put("validationImages", validation.size());
        configMap.put("options", TrainedModel.asMap(spec.options()));
        if (result.averageWeights() != null) {
            configMap.put("averagedEpochs", result.averagedEpochs()); // fewer than asked when the run stopped early
        }
        TrainedModel.Info info = TrainedModel.Info.fresh(def.architecture(), spec.options(), FashionMnist.LABELS,
                def.inputShape(), configMap);
        ClassificationReport scores = Evaluator.score(new TrainedModel(info, result.modelWeights()), test);
        new TrainedModel(info.withTest(scores.accuracy(), scores.macroF1(), test.size()), result.modelWeights())
                .save(spec.out());
        double wall = (System.nanoTime() - start) / 1e9;
        TrainingReport report = new TrainingReport(def.architecture(), def.trainableParameterCount(), configMap,
                config.seed(), result.bestEpoch(), wall, result.imagesPerSecond(), result.history(), scores);
        report.write(spec.out().resolve("report.json"));
        Plots.trainingCurves(result.history(), def.architecture(), spec.out().resolve("training-curves.png"));
        Plots.confusionMatrix(scores.confusion(), FashionMnist.LABELS, def.architecture() + " on " + test.size()
                + " test images", spec.out().resolve("confusion-matrix.png"));
        console.print(scores.toText());
        if (result.averageWeights() != null) {
            console.printf("model: mean of the last %d epochs' weights; ", result.averagedEpochs());
        }
        console.printf("best epoch %d; %.0f train img/s; wrote %s%n", result.bestEpoch(), result.imagesPerSecond(), spec.out());
        return report;
    }

    /** The run folder's model, checked to be the architecture (and options) being trained. */
    private static TrainedModel startingModel(Spec spec, ModelDef def) {
        TrainedModel model = TrainedModel.load(spec.initFrom());
        if (!model.info().is(def.architecture(), spec.options())) {
            throw new IllegalArgumentException(spec.initFrom() + " holds a " + model.info().architecture() + " "
                    + model.info().options() + ", not the " + def.architecture() + " " + spec.options() + " being trained");
        }
        return model;
    }

    private static int[] limit(int[] idx, int max) {
        return max > 0 && max < idx.length ? java.util.Arrays.copyOf(idx, max) : idx;
    }
}
