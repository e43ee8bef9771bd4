package dev.tailor.trainer.data;

/**
 * Ranges of the on-the-fly augmentation, as Keras' ImageDataGenerator names them in seed 004:
 * shifts as a fraction of the side, zoom as ±fraction, shear in degrees, horizontal flip with
 * probability ½, rotation in degrees (off by default: the seed found rotation hurts). On top,
 * {@code erasingProbability} is the chance that random erasing (Zhong et al., 2017) blanks a
 * rectangle of the transformed image with noise. With {@code wholePixelShifts} the shifts are
 * rounded to whole pixels, so a shift (and a flip) moves pixels without resampling them: the
 * augmented image is as sharp as the test images.
 */
public record AugmentConfig(double widthShift, double heightShift, double zoom, double shearDegrees,
                            boolean horizontalFlip, double rotationDegrees, double erasingProbability,
                            boolean wholePixelShifts) {

    public AugmentConfig {
        if (widthShift < 0 || heightShift < 0 || zoom < 0 || zoom >= 1 || shearDegrees < 0 || rotationDegrees < 0) {
            throw new IllegalArgumentException("augmentation ranges must be non-negative (zoom < 1)");
        }
        if (!(erasingProbability >= 0 && erasingProbability <= 1)) {
            throw new IllegalArgumentException("random-erasing probability must be in [0,1], got " + erasingProbability);
        }
    }

    /** No augmentation at all. */
    public static AugmentConfig none() {
        return new AugmentConfig(0, 0, 0, 0, false, 0, 0, false);
    }

    /** Seed 004's final setting: small shifts, zoom and shear, horizontal flips, no rotation, no erasing. */
    public static AugmentConfig standard() {
        return new AugmentConfig(0.1, 0.1, 0.1, 10, true, 0, 0, false);
    }

    /**
     * A mild setting: horizontal flips and whole-pixel shifts of up to 2 pixels (of 28), no zoom,
     * shear or rotation; the "pad 2 and crop, flip" of the usual CIFAR/Fashion-MNIST ResNet
     * recipes. Unlike {@link #standard()} it leaves the images' scale and sharpness alone, so it
     * fits a model that underfits under the full setting, or a fine-tune after it.
     */
    public static AugmentConfig mild() {
        return new AugmentConfig(MILD_SHIFT_PIXELS / 28.0, MILD_SHIFT_PIXELS / 28.0, 0, 0, true, 0, 0, true);
    }

    private static final double MILD_SHIFT_PIXELS = 2;

    /** This configuration with rotations up to {@code degrees}. */
    public AugmentConfig withRotation(double degrees) {
        return new AugmentConfig(widthShift, heightShift, zoom, shearDegrees, horizontalFlip, degrees, erasingProbability,
                wholePixelShifts);
    }

    /** This configuration with random erasing at {@code probability}. */
    public AugmentConfig withErasing(double probability) {
        return new AugmentConfig(widthShift, heightShift, zoom, shearDegrees, horizontalFlip, rotationDegrees, probability,
                wholePixelShifts);
    }

    /** Whether any geometric transform is switched on. */
    public boolean enabled() {
        return widthShift > 0 || heightShift > 0 || zoom > 0 || shearDegrees > 0 || horizontalFlip || rotationDegrees > 0;
    }
}
