package dev.tailor.exporter;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.StratifiedSplit;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.report.ClassificationReport;
import dev.tailor.trainer.train.Evaluator;
import dev.tailor.trainer.train.TrainConfig;
import dev.tailor.trainer.train.Trainer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Small, briefly trained real models for tests (shipped in the exporter's test-jar so the
 * server's end-to-end tests use models this exporter wrote): trains on real Fashion-MNIST images
 * for a few batches, so weights and running statistics are not trivial, then exports with the
 * parity check. Trained models are cached per test JVM.
 */
public final class TestModels {
    private static final Map<String, TrainedModel> TRAINED = new HashMap<>();
    private static FashionMnist dataset;

    private TestModels() {
    }

    /** The real dataset (Debian package or TAILOR_DATA). */
    public static synchronized FashionMnist dataset() {
        if (dataset == null) {
            dataset = FashionMnist.load(FashionMnist.resolveDir(null));
        }
        return dataset;
    }

    /** The official 10,000-image test set. */
    public static ImageSet testImages() {
        return dataset().test();
    }

    /** {@code architecture} ("cnn1", "miniresnet:bottleneck", ...) trained briefly on real images. */
    public static synchronized TrainedModel trained(String architecture) {
        return TRAINED.computeIfAbsent(architecture, TestModels::train);
    }

    /** Trains briefly, exports with the parity check to {@code targetDir/<architecture>.onnx}, returns the path. */
    public static Path exported(String architecture, Path targetDir) {
        Path out = targetDir.resolve(architecture.replace(':', '-') + ".onnx");
        new ModelExport(OnnxExporter.standard()).export(trained(architecture), "1", testImages().head(ParityCheck.MIN_IMAGES), out);
        return out;
    }

    private static TrainedModel train(String spec) {
        String name = spec.split(":")[0];
        boolean bottleneck = spec.endsWith(":bottleneck");
        boolean heavy = name.equals("miniresnet") || name.equals("cnn4b");
        ModelDef def = Architectures.byName(name).define(new ArchitectureOptions(bottleneck));
        ImageSet train = sample(dataset().train(), heavy ? 320 : 3000, 31);
        ImageSet val = sample(dataset().test(), 200, 32);
        TrainConfig config = TrainConfig.builder().epochs(1).batchSize(heavy ? 32 : 64).learningRate(2e-3)
                .maxBatchesPerEpoch(heavy ? 6 : 0).build();
        Trainer.Result r = new Trainer(def, config, null, new Trainer.Listener() {
        }, FashionMnist.NUM_CLASSES).fit(train, val, false);
        TrainedModel unscored = new TrainedModel(info(def, bottleneck, 0, 0, 0), r.bestWeights());
        ImageSet scoring = dataset().test().head(500);
        ClassificationReport report = ClassificationReport.of(
                Evaluator.predict(unscored.inferenceGraph(), def, scoring), scoring, FashionMnist.LABELS);
        return new TrainedModel(info(def, bottleneck, report.accuracy(), report.macroF1(), scoring.size()), r.bestWeights());
    }

    private static TrainedModel.Info info(ModelDef def, boolean bottleneck, double acc, double f1, int n) {
        Map<String, Object> config = Map.of("purpose", "test model", "architecture", def.architecture());
        return new TrainedModel.Info(def.architecture(), new ArchitectureOptions(bottleneck), FashionMnist.LABELS,
                def.inputShape(), config, TrainedModel.digest(config), acc, f1, n, "2026-01-01T00:00:00Z", 1);
    }

    private static ImageSet sample(ImageSet set, int n, long seed) {
        double f = (double) n / set.size();
        List<int[]> parts = StratifiedSplit.split(set.labels(), FashionMnist.NUM_CLASSES, new double[]{f, 1 - f}, seed);
        return set.subset(parts.get(0));
    }
}
