package dev.tailor.trainer.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw. It checks the magic
 * number, the dimensions and that the file holds every byte its header promises; any mismatch is a
 * {@link DatasetException} naming the file. It knows nothing about classes or normalisation.
 */
public final class IdxReader {
    /** Magic number of an unsigned-byte IDX file with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte IDX file with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** Images of one IDX file: {@code count} images of {@code rows × cols} unsigned bytes, row-major. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** Reads an image file ({@code *-images-idx3-ubyte[.gz]}). */
    public static Images readImages(Path file) {
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), IMAGES_MAGIC, "images");
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new DatasetException(file + " has an invalid header: " + count + " images of " + rows + "x" + cols);
            }
            byte[] pixels = new byte[Math.multiplyExact(count, rows * cols)];
            readFully(file, in, pixels);
            return new Images(count, rows, cols, pixels);
        } catch (EOFException e) {
            throw truncated(file, "header");
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /** Reads a label file ({@code *-labels-idx1-ubyte[.gz]}). */
    public static byte[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            checkMagic(file, in.readInt(), LABELS_MAGIC, "labels");
            int count = in.readInt();
            if (count < 0) {
                throw new DatasetException(file + " has an invalid header: " + count + " labels");
            }
            byte[] labels = new byte[count];
            readFully(file, in, labels);
            return labels;
        } catch (EOFException e) {
            throw truncated(file, "header");
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw;
        try {
            raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new DatasetException("Dataset file not found: " + file + ". " + DatasetException.INSTALL_HINT, e);
        }
        if (file.getFileName().toString().endsWith(".gz")) {
            try {
                raw = new GZIPInputStream(raw, 1 << 16);
            } catch (ZipException | EOFException e) {
                raw.close();
                throw new DatasetException(file + " is not a valid gzip file (" + e.getMessage() + "). "
                        + "Reinstall it: apt-get install --reinstall -y dataset-fashion-mnist", e);
            }
        }
        return new DataInputStream(raw);
    }

    private static void checkMagic(Path file, int magic, int expected, String kind) {
        if (magic != expected) {
            throw new DatasetException(String.format(
                    "%s is not an IDX %s file: magic number 0x%08x, expected 0x%08x. "
                            + "Check that the right file is in place, or reinstall dataset-fashion-mnist.",
                    file, kind, magic, expected));
        }
    }

    private static void readFully(Path file, DataInputStream in, byte[] target) throws IOException {
        int read = 0;
        while (read < target.length) {
            int n;
            try {
                n = in.read(target, read, target.length - read);
            } catch (EOFException e) {
                n = -1; // gzip streams cut short end like this
            }
            if (n < 0) {
                throw new DatasetException(file + " is truncated: its header promises " + target.length
                        + " data bytes but only " + read + " are there. Reinstall dataset-fashion-mnist.");
            }
            read += n;
        }
    }

    private static DatasetException truncated(Path file, String part) {
        return new DatasetException(file + " is truncated: it ends inside its " + part
                + ". Reinstall dataset-fashion-mnist.");
    }

    private static DatasetException ioFailure(Path file, IOException e) {
        return new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
    }
}
