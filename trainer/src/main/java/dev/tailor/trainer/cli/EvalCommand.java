package dev.tailor.trainer.cli;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.report.ClassificationReport;
import dev.tailor.trainer.train.Evaluator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer eval}: scores a trained model on the official test set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a trained model (a run folder) on the official 10,000-image test set.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model-dir", required = true, paramLabel = "DIR", description = "Run folder written by 'trainer train'")
    Path modelDir;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate only the first N test images (0 = all)")
    int limit;

    @Mixin
    DataOption data;

    @Override
    public Integer call() {
        TrainedModel model = TrainedModel.load(modelDir);
        ImageSet test = FashionMnist.loadTest(data.resolve());
        if (limit > 0) {
            test = test.head(limit);
        }
        ClassificationReport scores = Evaluator.score(model, test);
        System.out.println(model.info().architecture() + " from " + modelDir);
        System.out.print(scores.toText());
        return 0;
    }
}
