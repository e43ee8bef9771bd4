package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.AugmentConfig;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.train.TrainConfig;
import dev.tailor.trainer.train.TrainingBenchmark;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer bench}: training and SameDiff inference images/s per architecture, as a table. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training images/s (step incl. augmentation and dropout masks) and SameDiff inference images/s.")
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--models", split = ",", defaultValue = "cnn4b,miniresnet", description = "Architectures (default: ${DEFAULT-VALUE})")
    List<String> models;

    @Option(names = "--batch-size", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--batches", defaultValue = "10", description = "Measured batches (default: ${DEFAULT-VALUE})")
    int batches;

    @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured batches first, while the JIT compiles SameDiff's "
            + "paths and the step's array cache fills (default: ${DEFAULT-VALUE})")
    int warmup;

    @Mixin
    DataOption data;

    @Override
    public Integer call() {
        for (String m : models) {
            if (!Architectures.names().contains(m)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown model '" + m + "'");
            }
        }
        if (batches < 1 || warmup < 0 || batchSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batches and --batch-size must be positive, --warmup not negative");
        }
        ImageSet images = FashionMnist.load(data.resolve()).train().head(Math.max(batchSize * 4, 2000));
        System.out.printf("| model | trainable params | batch | train img/s | SameDiff inference img/s |%n|---|---|---|---|---|%n");
        for (String m : models) {
            TrainConfig config = TrainConfig.builder().batchSize(batchSize)
                    .augment(m.equals("cnn4b") ? AugmentConfig.standard() : AugmentConfig.none()).build();
            TrainingBenchmark.Row r = TrainingBenchmark.measure(Architectures.byName(m).define(ArchitectureOptions.defaults()),
                    images, config, warmup, batches);
            System.out.printf("| %s | %,d | %d | %.0f | %.0f |%n", r.architecture(), r.parameters(), r.batchSize(),
                    r.trainImagesPerSecond(), r.inferenceImagesPerSecond());
        }
        return 0;
    }
}
