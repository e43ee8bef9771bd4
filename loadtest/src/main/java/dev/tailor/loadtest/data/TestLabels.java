package dev.tailor.loadtest.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

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
        Path file = dir.resolve(FILE + ".gz");
        if (!Files.isRegularFile(file)) {
            file = dir.resolve(FILE);
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("no " + FILE + "(.gz) in " + dir
                    + " (install Debian's dataset-fashion-mnist package, or point --data or TAILOR_DATA at the folder)");
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(
                     file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw))) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new IOException(file + " is not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            }
            byte[] labels = new byte[Math.min(in.readInt(), limit)];
            in.readFully(labels);
            for (byte label : labels) {
                if (label < 0 || label >= NAMES.size()) {
                    throw new IOException(file + " holds label " + label + ", outside 0-" + (NAMES.size() - 1));
                }
            }
            return new TestLabels(labels);
        } catch (EOFException e) {
            throw new IOException(file + " ends before its last label", e);
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
