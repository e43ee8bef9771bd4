package dev.tailor.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Fashion-MNIST dataset as installed by Debian's {@code dataset-fashion-mnist}: the official
 * 60,000 training and 10,000 test images. Finds the folder (flag, {@code TAILOR_DATA}, or the
 * Debian location), reads the four IDX files and checks they agree. Never downloads anything.
 */
public final class FashionMnist {
    /** Where the Debian package installs the IDX files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Environment variable that overrides the data folder. */
    public static final String DATA_ENV = "TAILOR_DATA";
    /** Class names in label order. */
    public static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** Image side in pixels. */
    public static final int SIDE = 28;

    private final ImageSet train;
    private final ImageSet test;

    private FashionMnist(ImageSet train, ImageSet test) {
        this.train = train;
        this.test = test;
    }

    /** The official training set (60,000 images). */
    public ImageSet train() {
        return train;
    }

    /** The official test set (10,000 images): used only for final evaluation. */
    public ImageSet test() {
        return test;
    }

    /**
     * Resolves the data folder: the explicit one if given, else {@code TAILOR_DATA}, else the Debian
     * location.
     */
    public static Path resolveDir(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String env = System.getenv(DATA_ENV);
        return env != null && !env.isBlank() ? Path.of(env) : DEBIAN_DIR;
    }

    /** Loads both sets from {@code dir}. */
    public static FashionMnist load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("Fashion-MNIST folder not found: " + dir + ". " + DatasetException.INSTALL_HINT);
        }
        return new FashionMnist(loadSet(dir, "train"), loadSet(dir, "t10k"));
    }

    /** Loads only the official test set from {@code dir}. */
    public static ImageSet loadTest(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("Fashion-MNIST folder not found: " + dir + ". " + DatasetException.INSTALL_HINT);
        }
        return loadSet(dir, "t10k");
    }

    private static ImageSet loadSet(Path dir, String prefix) {
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        IdxReader.Images images = IdxReader.readImages(imagesFile);
        byte[] labels = IdxReader.readLabels(labelsFile);
        if (images.count() != labels.length) {
            throw new DatasetException(imagesFile + " holds " + images.count() + " images but " + labelsFile
                    + " holds " + labels.length + " labels. Reinstall dataset-fashion-mnist.");
        }
        if (images.rows() != SIDE || images.cols() != SIDE) {
            throw new DatasetException(imagesFile + " holds " + images.rows() + "x" + images.cols()
                    + " images; Fashion-MNIST images are 28x28.");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= NUM_CLASSES) {
                throw new DatasetException(labelsFile + " has label " + labels[i] + " at index " + i
                        + "; Fashion-MNIST labels are 0-9.");
            }
        }
        return new ImageSet(images.pixels(), labels, images.rows(), images.cols());
    }

    /** Prefers the gzip file the Debian package ships, accepts an uncompressed one. */
    private static Path find(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.exists(gz)) {
            return gz;
        }
        Path raw = dir.resolve(base);
        return Files.exists(raw) ? raw : gz; // reading the missing .gz gives the "not found" message
    }
}
