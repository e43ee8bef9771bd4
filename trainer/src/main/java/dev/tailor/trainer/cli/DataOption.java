package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.FashionMnist;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data} flag shared by every command. */
final class DataOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with the Fashion-MNIST IDX files (default: $TAILOR_DATA, else /usr/share/datasets/fashion-mnist "
                    + "from Debian's dataset-fashion-mnist)")
    Path dir;

    Path resolve() {
        return FashionMnist.resolveDir(dir);
    }
}
