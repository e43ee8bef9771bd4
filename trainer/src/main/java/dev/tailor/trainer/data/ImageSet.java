package dev.tailor.trainer.data;

import java.util.Arrays;

/**
 * A set of 28×28 grayscale images with their labels, kept as the raw unsigned bytes of the IDX
 * files (a quarter of the memory of floats). Pixels are turned into [0,1] floats only when a batch
 * is built. Immutable: {@link #subset(int[])} copies.
 */
public record ImageSet(byte[] pixels, byte[] labels, int rows, int cols) {
    public ImageSet {
        if (pixels.length != labels.length * rows * cols) {
            throw new IllegalArgumentException("pixels hold " + pixels.length + " bytes, expected "
                    + labels.length + " images of " + rows + "x" + cols);
        }
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Pixels per image. */
    public int imageSize() {
        return rows * cols;
    }

    /** Class label of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** Writes image {@code i} scaled to [0,1] into {@code target} at {@code offset}. */
    public void copyNormalized(int i, float[] target, int offset) {
        int size = imageSize();
        int base = i * size;
        for (int p = 0; p < size; p++) {
            target[offset + p] = (pixels[base + p] & 0xFF) / 255f;
        }
    }

    /** Image {@code i} scaled to [0,1]. */
    public float[] normalized(int i) {
        float[] image = new float[imageSize()];
        copyNormalized(i, image, 0);
        return image;
    }

    /** The images at {@code indices}, in that order. */
    public ImageSet subset(int[] indices) {
        int size = imageSize();
        byte[] px = new byte[indices.length * size];
        byte[] lb = new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * size, px, k * size, size);
            lb[k] = labels[indices[k]];
        }
        return new ImageSet(px, lb, rows, cols);
    }

    /** The first {@code n} images. */
    public ImageSet head(int n) {
        int[] idx = new int[Math.min(n, size())];
        Arrays.setAll(idx, i -> i);
        return subset(idx);
    }

    /** Count of images per class, for {@code numClasses} classes. */
    public int[] classCounts(int numClasses) {
        int[] counts = new int[numClasses];
        for (byte l : labels) {
            counts[l]++;
        }
        return counts;
    }
}
