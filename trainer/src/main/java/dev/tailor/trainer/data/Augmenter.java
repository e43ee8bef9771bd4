package dev.tailor.trainer.data;

/**
 * Applies random affine augmentation (shift, zoom, shear, rotation, horizontal flip) and then,
 * if asked, random erasing to square grayscale images, drawing from a caller-owned {@link Rng} so
 * runs are reproducible and resumable. Pixels are sampled bilinearly; what falls outside the source
 * is background (0). Images keep their size.
 */
public final class Augmenter {
    // Zhong et al. (2017)'s defaults: the erased rectangle covers 2–40 % of the image, aspect 0.3–3.3
    private static final double ERASE_MIN_AREA = 0.02;
    private static final double ERASE_MAX_AREA = 0.4;
    private static final double ERASE_MIN_ASPECT = 0.3;
    private static final int ERASE_ATTEMPTS = 100;

    private final AugmentConfig config;

    public Augmenter(AugmentConfig config) {
        this.config = config;
    }

    /** One affine transform about the image centre; {@code tx, ty} in pixels. */
    public record Transform(boolean flip, double scaleX, double scaleY, double shearDegrees,
                            double rotationDegrees, double tx, double ty) {
        /** The transform that changes nothing. */
        public static Transform identity() {
            return new Transform(false, 1, 1, 0, 0, 0, 0);
        }

        boolean isIdentity() {
            return !flip && scaleX == 1 && scaleY == 1 && shearDegrees == 0 && rotationDegrees == 0 && tx == 0 && ty == 0;
        }
    }

    /** Draws a random transform for an image of {@code side} pixels. */
    public Transform randomTransform(Rng rng, int side) {
        if (!config.enabled()) {
            return Transform.identity();
        }
        boolean flip = config.horizontalFlip() && rng.nextFloat() < 0.5f;
        double sx = config.zoom() > 0 ? rng.uniform(1 - config.zoom(), 1 + config.zoom()) : 1;
        double sy = config.zoom() > 0 ? rng.uniform(1 - config.zoom(), 1 + config.zoom()) : 1;
        double shear = config.shearDegrees() > 0 ? rng.uniform(-config.shearDegrees(), config.shearDegrees()) : 0;
        double rot = config.rotationDegrees() > 0 ? rng.uniform(-config.rotationDegrees(), config.rotationDegrees()) : 0;
        double tx = config.widthShift() > 0 ? rng.uniform(-config.widthShift(), config.widthShift()) * side : 0;
        double ty = config.heightShift() > 0 ? rng.uniform(-config.heightShift(), config.heightShift()) * side : 0;
        if (config.wholePixelShifts()) {
            tx = Math.rint(tx);
            ty = Math.rint(ty);
        }
        return new Transform(flip, sx, sy, shear, rot, tx, ty);
    }

    /** Augments {@code src} (side×side, row-major) with a random transform (and maybe an erasure) into {@code dst}. */
    public void augment(float[] src, int srcOffset, float[] dst, int dstOffset, int side, Rng rng) {
        apply(src, srcOffset, dst, dstOffset, side, randomTransform(rng, side));
        if (config.erasingProbability() > 0 && rng.nextDouble() < config.erasingProbability()) {
            erase(dst, dstOffset, side, rng);
        }
    }

    /**
     * Random erasing: replaces a random rectangle of 2–40 % of the image's area, aspect ratio
     * 0.3–3.3, with uniform noise in [0,1), so the model cannot lean on any one part of the garment.
     * Returns the erased area in pixels (0 if no rectangle fitted within the attempts).
     */
    static int erase(float[] image, int offset, int side, Rng rng) {
        for (int attempt = 0; attempt < ERASE_ATTEMPTS; attempt++) {
            double area = side * side * rng.uniform(ERASE_MIN_AREA, ERASE_MAX_AREA);
            double aspect = Math.exp(rng.uniform(Math.log(ERASE_MIN_ASPECT), -Math.log(ERASE_MIN_ASPECT)));
            int h = (int) Math.round(Math.sqrt(area * aspect));
            int w = (int) Math.round(Math.sqrt(area / aspect));
            if (h < 1 || w < 1 || h >= side || w >= side) {
                continue;
            }
            int top = rng.nextInt(side - h + 1);
            int left = rng.nextInt(side - w + 1);
            for (int y = top; y < top + h; y++) {
                for (int x = left; x < left + w; x++) {
                    image[offset + y * side + x] = rng.nextFloat();
                }
            }
            return h * w;
        }
        return 0;
    }

    /**
     * Applies {@code t}: destination pixel p takes the source value at A⁻¹(p − c − t) + c, where
     * A = rotation · zoom · shear · flip and c is the centre.
     */
    public static void apply(float[] src, int srcOffset, float[] dst, int dstOffset, int side, Transform t) {
        if (t.isIdentity()) {
            System.arraycopy(src, srcOffset, dst, dstOffset, side * side);
            return;
        }
        double sh = Math.tan(Math.toRadians(t.shearDegrees()));
        double rot = Math.toRadians(t.rotationDegrees());
        double cos = Math.cos(rot);
        double sin = Math.sin(rot);
        double f = t.flip() ? -1 : 1;
        // A = R · Z · S · F with Z = diag(sx, sy), S = [[1, sh], [0, 1]], F = diag(f, 1)
        double zs00 = t.scaleX() * f;
        double zs01 = t.scaleX() * sh;
        double zs10 = 0;
        double zs11 = t.scaleY();
        double a00 = cos * zs00 - sin * zs10;
        double a01 = cos * zs01 - sin * zs11;
        double a10 = sin * zs00 + cos * zs10;
        double a11 = sin * zs01 + cos * zs11;
        double det = a00 * a11 - a01 * a10;
        double i00 = a11 / det;
        double i01 = -a01 / det;
        double i10 = -a10 / det;
        double i11 = a00 / det;
        double c = (side - 1) / 2.0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double u = x - c - t.tx();
                double v = y - c - t.ty();
                double sxp = i00 * u + i01 * v + c;
                double syp = i10 * u + i11 * v + c;
                dst[dstOffset + y * side + x] = bilinear(src, srcOffset, side, sxp, syp);
            }
        }
    }

    private static float bilinear(float[] src, int offset, int side, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        double v00 = pixel(src, offset, side, x0, y0);
        double v10 = pixel(src, offset, side, x0 + 1, y0);
        double v01 = pixel(src, offset, side, x0, y0 + 1);
        double v11 = pixel(src, offset, side, x0 + 1, y0 + 1);
        return (float) ((v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy);
    }

    private static float pixel(float[] src, int offset, int side, int x, int y) {
        return x < 0 || y < 0 || x >= side || y >= side ? 0f : src[offset + y * side + x];
    }
}
