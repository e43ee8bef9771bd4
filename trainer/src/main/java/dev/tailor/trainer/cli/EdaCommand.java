package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.eda.Eda;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer eda}: seed 000's exploratory plots. */
@Command(name = "eda", mixinStandardHelpOptions = true,
        description = "Write exploratory PNGs: class distribution, sample grid, 2-D PCA scatter, explained variance.")
final class EdaCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the PNGs")
    Path out;

    @Option(names = "--pca-samples", defaultValue = "5000", description = "Images used for PCA (default: ${DEFAULT-VALUE})")
    int pcaSamples;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the 60/20/20 split and the PCA sample")
    long seed;

    @Mixin
    DataOption data;

    @Override
    public Integer call() {
        FashionMnist dataset = FashionMnist.load(data.resolve());
        for (Path p : new Eda(dataset, seed).writeAll(out, pcaSamples)) {
            System.out.println("wrote " + p);
        }
        return 0;
    }
}
