package dev.tailor.server.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Turns a decoded image into the 28×28 8-bit grayscale, light-product-on-dark form the models were
 * trained on. Product photos get the conversion the dataset's authors applied (Xiao et al. 2017,
 * section 2): trim the plain background, longest edge to 28 by subsampling, Gaussian sharpening,
 * centre-pad to 28×28, negate, 8-bit gray. Images that already look like Fashion-MNIST
 * (28×28 with a dark border) pass straight through, so they give exactly the tensor path's answer.
 * Grayscale conversion comes first here, not last as in the paper: the other steps are linear
 * per channel, so the order changes nothing but the work.
 */
public final class FashionMnistConverter {
    /** Side of the model's square input. */
    public static final int SIDE = 28;
    // "close to the corner colour": within 5 % of the maximum intensity, per RGB channel
    private static final int TRIM_TOLERANCE = 13;
    // a 28×28 image whose border is darker than this on average is taken as already converted
    private static final float DARK_BORDER = 100f;

    /**
     * The converted pixels, row-major, 0 = background, and whether the photo conversion was used.
     *
     * @param pixels {@code SIDE × SIDE} unsigned bytes
     * @param photo  true when the image was treated as a product photo
     */
    public record Converted(byte[] pixels, boolean photo) {
    }

    /** Converts {@code image} as {@code mode} says. */
    public Converted convert(BufferedImage image, Preprocess mode) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] rgb = rgbOverWhite(image);
        float[] gray = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            gray[i] = luminance(rgb[i]);
        }
        boolean fashionMnistLike = width == SIDE && height == SIDE && borderMean(gray, width, height) < DARK_BORDER;
        return switch (mode) {
            case NONE -> new Converted(toBytes(width == SIDE && height == SIDE ? gray
                    : stretch(gray, width, height)), false);
            case AUTO -> fashionMnistLike ? new Converted(toBytes(gray), false)
                    : new Converted(photo(rgb, gray, width, height), true);
            case PHOTO -> new Converted(photo(rgb, gray, width, height), true);
        };
    }

    private static byte[] photo(int[] rgb, float[] gray, int width, int height) {
        int background = cornerColour(rgb, width, height);
        float backgroundGray = luminance(background);
        int[] box = trim(rgb, width, height, background);
        int cropW = box[2] - box[0];
        int cropH = box[3] - box[1];
        // longest edge to 28 by subsampling rows and columns, as the dataset's authors did
        double scale = (double) SIDE / Math.max(cropW, cropH);
        int w = Math.max(1, Math.min(SIDE, (int) Math.round(cropW * scale)));
        int h = Math.max(1, Math.min(SIDE, (int) Math.round(cropH * scale)));
        float[] small = new float[w * h];
        for (int y = 0; y < h; y++) {
            int sy = box[1] + Math.min(cropH - 1, (int) ((y + 0.5) * cropH / h));
            for (int x = 0; x < w; x++) {
                int sx = box[0] + Math.min(cropW - 1, (int) ((x + 0.5) * cropW / w));
                small[y * w + x] = gray[sy * width + sx];
            }
        }
        float[] sharp = sharpen(small, w, h);
        float[] canvas = new float[SIDE * SIDE];
        java.util.Arrays.fill(canvas, backgroundGray);
        int left = (SIDE - w) / 2;
        int top = (SIDE - h) / 2;
        for (int y = 0; y < h; y++) {
            System.arraycopy(sharp, y * w, canvas, (top + y) * SIDE + left, w);
        }
        if (backgroundGray >= 128f) { // a light background: negate so the product is light on dark
            for (int i = 0; i < canvas.length; i++) {
                canvas[i] = 255f - canvas[i];
            }
        }
        return toBytes(canvas);
    }

    /** Unsharp mask with a Gaussian of radius 1 and sigma 1: adds back the detail a blur removes, most at edges. */
    static float[] sharpen(float[] image, int w, int h) {
        float[] kernel = new float[9];
        float sum = 0;
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                float k = (float) Math.exp(-(dx * dx + dy * dy) / 2.0);
                kernel[(dy + 1) * 3 + dx + 1] = k;
                sum += k;
            }
        }
        float[] out = new float[image.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float blur = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    int yy = Math.clamp(y + dy, 0, h - 1);
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = Math.clamp(x + dx, 0, w - 1);
                        blur += kernel[(dy + 1) * 3 + dx + 1] * image[yy * w + xx];
                    }
                }
                float v = image[y * w + x];
                out[y * w + x] = v + (v - blur / sum);
            }
        }
        return out;
    }

    /** Nearest-neighbour resize to 28×28, ignoring the aspect ratio. */
    private static float[] stretch(float[] gray, int width, int height) {
        float[] out = new float[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            int sy = Math.min(height - 1, (int) ((y + 0.5) * height / SIDE));
            for (int x = 0; x < SIDE; x++) {
                int sx = Math.min(width - 1, (int) ((x + 0.5) * width / SIDE));
                out[y * SIDE + x] = gray[sy * width + sx];
            }
        }
        return out;
    }

    /** {x0, y0, x1, y1} (exclusive ends) of the image without its plain background edges. */
    private static int[] trim(int[] rgb, int width, int height, int background) {
        int x0 = 0;
        int y0 = 0;
        int x1 = width;
        int y1 = height;
        while (y0 < y1 && rowIsBackground(rgb, width, y0, x0, x1, background)) {
            y0++;
        }
        while (y1 > y0 && rowIsBackground(rgb, width, y1 - 1, x0, x1, background)) {
            y1--;
        }
        while (x0 < x1 && columnIsBackground(rgb, width, x0, y0, y1, background)) {
            x0++;
        }
        while (x1 > x0 && columnIsBackground(rgb, width, x1 - 1, y0, y1, background)) {
            x1--;
        }
        if (x0 >= x1 || y0 >= y1) {
            return new int[]{0, 0, width, height}; // all background: keep the image as it is
        }
        return new int[]{x0, y0, x1, y1};
    }

    private static boolean rowIsBackground(int[] rgb, int width, int y, int x0, int x1, int background) {
        for (int x = x0; x < x1; x++) {
            if (!close(rgb[y * width + x], background)) {
                return false;
            }
        }
        return true;
    }

    private static boolean columnIsBackground(int[] rgb, int width, int x, int y0, int y1, int background) {
        for (int y = y0; y < y1; y++) {
            if (!close(rgb[y * width + x], background)) {
                return false;
            }
        }
        return true;
    }

    private static boolean close(int a, int b) {
        return Math.abs(((a >> 16) & 0xFF) - ((b >> 16) & 0xFF)) <= TRIM_TOLERANCE
                && Math.abs(((a >> 8) & 0xFF) - ((b >> 8) & 0xFF)) <= TRIM_TOLERANCE
                && Math.abs((a & 0xFF) - (b & 0xFF)) <= TRIM_TOLERANCE;
    }

    /** Per-channel mean of the four corner pixels. */
    private static int cornerColour(int[] rgb, int width, int height) {
        int[] corners = {rgb[0], rgb[width - 1], rgb[(height - 1) * width], rgb[height * width - 1]};
        int r = 0;
        int g = 0;
        int b = 0;
        for (int c : corners) {
            r += (c >> 16) & 0xFF;
            g += (c >> 8) & 0xFF;
            b += c & 0xFF;
        }
        return ((r / 4) << 16) | ((g / 4) << 8) | (b / 4);
    }

    private static float borderMean(float[] gray, int width, int height) {
        double sum = 0;
        int n = 0;
        for (int x = 0; x < width; x++) {
            sum += gray[x] + gray[(height - 1) * width + x];
            n += 2;
        }
        for (int y = 1; y < height - 1; y++) {
            sum += gray[y * width] + gray[y * width + width - 1];
            n += 2;
        }
        return (float) (sum / n);
    }

    /** ITU-R BT.601 luma, the weights PIL's "L" mode uses. */
    private static float luminance(int rgb) {
        return 0.299f * ((rgb >> 16) & 0xFF) + 0.587f * ((rgb >> 8) & 0xFF) + 0.114f * (rgb & 0xFF);
    }

    /**
     * The pixels as 0xRRGGBB with any transparency composited over white (a transparent product
     * photo has a white page behind it). Single-band gray images are read from the raster: going
     * through {@code getRGB} would re-map their linear gray into sRGB and change the values.
     */
    private static int[] rgbOverWhite(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] out = new int[width * height];
        Raster raster = image.getRaster();
        boolean indexed = image.getColorModel() instanceof java.awt.image.IndexColorModel;
        int bands = raster.getNumBands();
        if (!indexed && (bands == 1 || bands == 2)) {
            int shift = Math.max(0, image.getSampleModel().getSampleSize(0) - 8);
            int alphaShift = bands == 2 ? Math.max(0, image.getSampleModel().getSampleSize(1) - 8) : 0;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int v = raster.getSample(x, y, 0) >> shift;
                    if (bands == 2) {
                        int a = raster.getSample(x, y, 1) >> alphaShift;
                        v = (v * a + 255 * (255 - a) + 127) / 255;
                    }
                    out[y * width + x] = v * 0x010101;
                }
            }
            return out;
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int argb = image.getRGB(x, y);
                int a = argb >>> 24;
                int r = (((argb >> 16) & 0xFF) * a + 255 * (255 - a) + 127) / 255;
                int g = (((argb >> 8) & 0xFF) * a + 255 * (255 - a) + 127) / 255;
                int b = ((argb & 0xFF) * a + 255 * (255 - a) + 127) / 255;
                out[y * width + x] = (r << 16) | (g << 8) | b;
            }
        }
        return out;
    }

    private static byte[] toBytes(float[] values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) Math.clamp(Math.round(values[i]), 0, 255);
        }
        return out;
    }
}
