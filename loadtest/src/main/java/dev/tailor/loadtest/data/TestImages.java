package dev.tailor.loadtest.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The first images of Fashion-MNIST's official test set, read from its IDX file
 * ({@code t10k-images-idx3-ubyte}, gzipped or not): 28×28 unsigned bytes each, white product on
 * black as the dataset ships them. The load test reads the file itself rather than through the
 * trainer, which it must not depend on.
 */
public final class TestImages {
    /** The test set's image file, without the {@code .gz}. */
    public static final String FILE = "t10k-images-idx3-ubyte";
    private static final int IMAGES_MAGIC = 0x00000803;

    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;

    private TestImages(int count, int rows, int cols, byte[] pixels) {
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    /** The IDX file of the test images in {@code dir}: the {@code .gz} if present, else the plain file; null if neither. */
    public static Path find(Path dir) {
        return IdxFile.find(dir, FILE);
    }

    /**
     * Reads the first {@code limit} images of the test set in {@code dir}.
     *
     * @throws IOException when the file is missing, is not an IDX image file, or ends early
     */
    public static TestImages read(Path dir, int limit) throws IOException {
        try (IdxFile idx = IdxFile.open(dir, FILE, IMAGES_MAGIC, "image")) {
            int count = Math.min(idx.readInt(), limit);
            int rows = idx.readInt();
            int cols = idx.readInt();
            byte[] pixels = new byte[count * rows * cols];
            idx.readFully(pixels);
            return new TestImages(count, rows, cols, pixels);
        }
    }

    /** How many images were read. */
    public int count() {
        return count;
    }

    /** Image height. */
    public int rows() {
        return rows;
    }

    /** Image width. */
    public int cols() {
        return cols;
    }

    /** The raw 8-bit pixels of image {@code i}, row-major. */
    public byte[] pixels(int i) {
        int size = rows * cols;
        byte[] out = new byte[size];
        System.arraycopy(pixels, i * size, out, 0, size);
        return out;
    }

    /** Image {@code i} as pixel/255 floats, the model's input scale. */
    public float[] normalized(int i) {
        int size = rows * cols;
        float[] out = new float[size];
        for (int p = 0; p < size; p++) {
            out[p] = (pixels[i * size + p] & 0xFF) / 255f;
        }
        return out;
    }
}
