package dev.tailor.exporter.cli;

import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options both commands share: which real test images the parity check runs on. */
final class ParityImages {
    @Option(names = "--parity-images", defaultValue = "1000",
            description = "Official test images for the parity check (>= 1000; default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST folder (default: $TAILOR_DATA or Debian's)")
    Path data;

    /** The first {@code --parity-images} official test images. */
    ImageSet load() {
        return FashionMnist.loadTest(FashionMnist.resolveDir(data)).head(count);
    }
}
