package dev.tailor.server.explain;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Draws an explanation for people: the converted input, scaled up {@value #SCALE} times (a 28×28
 * input gives a {@value #SIZE}×{@value #SIZE} PNG), with the map blended over it, smoothly
 * interpolated: red where occlusion lowered the explained class's probability, blue where it raised
 * it, more opaque the stronger, relative to the map's largest magnitude. A flat map leaves the input
 * as it is.
 */
public final class HeatMapPng {
    /** Output pixels per input pixel. */
    public static final int SCALE = 10;
    /** Side of the PNG for a 28×28 input. */
    public static final int SIZE = 28 * SCALE;
    // the strongest evidence is drawn at this opacity, so the garment stays visible under it
    private static final double MAX_ALPHA = 0.75;

    private HeatMapPng() {
    }

    /** The PNG of {@code explanation}. */
    public static byte[] render(Explanation explanation) {
        return render(explanation.input(), explanation.map(), explanation.sweep().side());
    }

    /** The PNG of {@code gray} (8-bit, row-major) under {@code map}, both {@code side × side}. */
    static byte[] render(byte[] gray, float[] map, int side) {
        float max = 0;
        for (float v : map) {
            max = Math.max(max, Math.abs(v));
        }
        int size = side * SCALE;
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int g = gray[(y / SCALE) * side + x / SCALE] & 0xFF;
                double r = g;
                double gr = g;
                double b = g;
                if (max > 0) {
                    double v = sample(map, side, (x + 0.5) / SCALE - 0.5, (y + 0.5) / SCALE - 0.5) / max;
                    double alpha = Math.min(1, Math.abs(v)) * MAX_ALPHA;
                    double[] colour = v >= 0 ? new double[]{255, 40, 0} : new double[]{0, 90, 255};
                    r = r * (1 - alpha) + colour[0] * alpha;
                    gr = gr * (1 - alpha) + colour[1] * alpha;
                    b = b * (1 - alpha) + colour[2] * alpha;
                }
                image.setRGB(x, y, ((int) Math.round(r) << 16) | ((int) Math.round(gr) << 8) | (int) Math.round(b));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return png.toByteArray();
    }

    /** Bilinear interpolation of {@code map} at fractional pixel coordinates, clamped to the edges. */
    private static double sample(float[] map, int side, double x, double y) {
        double cx = Math.max(0, Math.min(side - 1, x));
        double cy = Math.max(0, Math.min(side - 1, y));
        int x0 = (int) Math.floor(cx);
        int y0 = (int) Math.floor(cy);
        int x1 = Math.min(side - 1, x0 + 1);
        int y1 = Math.min(side - 1, y0 + 1);
        double fx = cx - x0;
        double fy = cy - y0;
        double top = map[y0 * side + x0] * (1 - fx) + map[y0 * side + x1] * fx;
        double bottom = map[y1 * side + x0] * (1 - fx) + map[y1 * side + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }
}
