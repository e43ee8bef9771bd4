package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.train.ModelSoup;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trainer average}: one model from the mean of several runs' weights (a model soup). */
@Command(name = "average", mixinStandardHelpOptions = true,
        description = {"Average the weights of several trained runs of one architecture into one model (a model soup), "
                + "score it on the official test set and write it as a run folder the exporter reads.",
                "Only runs that share a starting point average well (warm restarts or fine-tunes of one model)."})
final class AverageCommand implements Callable<Integer> {
    @Parameters(arity = "2..*", paramLabel = "RUN_DIR", description = "Run folders written by 'trainer train' (two or more)")
    List<Path> runs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the averaged model")
    Path out;

    @Mixin
    DataOption data;

    @Override
    public Integer call() {
        ModelSoup.Result soup = ModelSoup.average(runs, FashionMnist.loadTest(data.resolve()));
        soup.model().save(out);
        System.out.println(soup.model().info().architecture() + ": mean of " + runs.size() + " runs' weights");
        System.out.print(soup.scores().toText());
        System.out.println("wrote " + out);
        return 0;
    }
}
