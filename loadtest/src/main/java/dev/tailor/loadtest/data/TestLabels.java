package dev.tailor.loadtest.data;

import java.io.IOException;
import java.nio.file.Path;

/** The labels of the Fashion-MNIST test set ({@code t10k-labels-idx1-ubyte}, plain or gzipped), in image order. */
public final class TestLabels {
    /** The test set's label file, without the {@code .gz}. */
    public static final String FILE = "t10k-labels-idx1-ubyte";
    /** The ten class names, by label index. */
    public static final java.util.List<String> NAMES = java.util.List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static final int LABELS_MAGIC = 0x00000801;

    private final byte[] labels;

    private TestLabels(byte[] labels) {
        this.labels = labels;
    }

    /**
     * Reads the first {@code limit} labels of the test set in {@code dir}.
     *
     * @throws IOException when the file is missing, is not an IDX label file, ends early or holds a label outside 0-9
     */
    public static TestLabels read(Path dir, int limit) throws IOException {
        try (IdxFile idx = IdxFile.open(dir, FILE, LABELS_MAGIC, "label")) {
            byte[] labels = new byte[Math.min(idx.readInt(), limit)];
            idx.readFully(labels);
            for (byte label : labels) {
                if (label < 0 || label >= NAMES.size()) {
                    throw new IOException(idx.path() + " holds label " + label + ", outside 0-" + (NAMES.size() - 1));
                }
            }
            return new TestLabels(labels);
        }
    }

    /** How many labels were read. */
    public int count() {
        return labels.length;
    }

    /** The label (0-9) of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }
}
