package dev.tailor.trainer.train;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.report.ClassificationReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A "model soup" (Wortsman et al. 2022): one model whose every array, batch-norm running
 * statistics included, is the mean of the same arrays in several trained runs of one architecture.
 * It only works for runs that share a starting point (warm restarts or fine-tunes of one model,
 * which stay in one basin); the mean of unrelated runs is a broken model, which the test score shows.
 * Unlike an ensemble it costs one model's inference.
 */
public final class ModelSoup {
    private ModelSoup() {
    }

    /** The averaged model, scored on {@code test}, and that score. */
    public record Result(TrainedModel model, ClassificationReport scores) {
    }

    /** Averages the models in the run folders {@code runs} (at least two, same architecture and options). */
    public static Result average(List<Path> runs, ImageSet test) {
        if (runs.size() < 2) {
            throw new IllegalArgumentException("averaging needs at least two run folders, got " + runs.size());
        }
        TrainedModel first = TrainedModel.load(runs.getFirst());
        WeightAverage mean = WeightAverage.startingWith(first.weights());
        List<Map<String, Object>> members = new ArrayList<>();
        members.add(first.provenance(runs.getFirst()));
        first.weights().free();
        for (Path run : runs.subList(1, runs.size())) {
            TrainedModel next = TrainedModel.load(run);
            checkSameShape(runs.getFirst(), first.info(), run, next.info());
            mean.add(next.weights());
            members.add(next.provenance(run));
            next.weights().free();
        }
        // the card must be able to say which runs went in and how each scored alone
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("averageOf", members);
        TrainedModel.Info info = TrainedModel.Info.fresh(first.info().architecture(), first.info().options(),
                first.info().labels(), first.info().inputShape(), config);
        ClassificationReport scores = Evaluator.score(new TrainedModel(info, mean.mean()), test);
        return new Result(new TrainedModel(info.withTest(scores.accuracy(), scores.macroF1(), test.size()), mean.mean()),
                scores);
    }

    private static void checkSameShape(Path firstRun, TrainedModel.Info first, Path run, TrainedModel.Info info) {
        if (!info.is(first.architecture(), first.options())) {
            throw new IllegalArgumentException(run + " holds a " + info.architecture() + " " + info.options() + ", but "
                    + firstRun + " a " + first.architecture() + " " + first.options() + ": only one architecture averages");
        }
    }
}
