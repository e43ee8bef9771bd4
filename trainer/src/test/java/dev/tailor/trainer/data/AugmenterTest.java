package dev.tailor.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TestData;
import org.junit.jupiter.api.Test;

/** Augmentation keeps the image size and moves pixels exactly where the transform says. */
class AugmenterTest {
    private static final int SIDE = 28;

    @Test
    void horizontalFlipMirrorsEveryRow() {
        float[] src = knownImage();
        float[] dst = new float[SIDE * SIDE];
        Augmenter.apply(src, 0, dst, 0, SIDE, new Augmenter.Transform(true, 1, 1, 0, 0, 0, 0));
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                assertEquals(src[y * SIDE + (SIDE - 1 - x)], dst[y * SIDE + x], 1e-6, "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void integerShiftMovesPixelsAndFillsBackground() {
        float[] src = knownImage();
        float[] dst = new float[SIDE * SIDE];
        Augmenter.apply(src, 0, dst, 0, SIDE, new Augmenter.Transform(false, 1, 1, 0, 0, 3, -2));
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int sx = x - 3;
                int sy = y + 2;
                float expected = sx < 0 || sy >= SIDE ? 0f : src[sy * SIDE + sx];
                assertEquals(expected, dst[y * SIDE + x], 1e-6, "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void randomAugmentationKeepsShapeAndRangeAndChangesTheImage() {
        ImageSet set = TestData.dataset().test().head(50);
        Augmenter augmenter = new Augmenter(AugmentConfig.standard());
        Rng rng = new Rng(3);
        int changed = 0;
        for (int i = 0; i < set.size(); i++) {
            float[] src = set.normalized(i);
            float[] dst = new float[src.length];
            augmenter.augment(src, 0, dst, 0, SIDE, rng);
            assertEquals(src.length, dst.length);
            for (float v : dst) {
                assertTrue(v >= 0f && v <= 1.0001f, "pixel out of range: " + v);
            }
            if (!java.util.Arrays.equals(src, dst)) {
                changed++;
            }
        }
        assertTrue(changed > 45, "only " + changed + " of 50 images changed");
    }

    @Test
    void noAugmentationIsTheIdentityAndSameSeedRepeats() {
        float[] src = knownImage();
        float[] dst = new float[src.length];
        new Augmenter(AugmentConfig.none()).augment(src, 0, dst, 0, SIDE, new Rng(1));
        assertArrayEquals(src, dst);
        float[] a = new float[src.length];
        float[] b = new float[src.length];
        new Augmenter(AugmentConfig.standard()).augment(src, 0, a, 0, SIDE, new Rng(9));
        new Augmenter(AugmentConfig.standard()).augment(src, 0, b, 0, SIDE, new Rng(9));
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(src, a));
    }

    @Test
    void mildAugmentationOnlyFlipsAndMovesWholePixelsByAtMostTwo() {
        float[] src = knownImage();
        float[] dst = new float[src.length];
        Augmenter mild = new Augmenter(AugmentConfig.mild());
        Rng rng = new Rng(5);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 300; i++) {
            mild.augment(src, 0, dst, 0, SIDE, rng);
            seen.add(matchingWholePixelMove(src, dst));
        }
        assertFalse(seen.contains(null), "every mild augmentation is a flip and/or a whole-pixel shift of the source");
        // 2 flips x 5 x 5 shifts are reachable; 300 draws should meet most of them, both flips and the extremes
        assertTrue(seen.size() > 35, "only " + seen.size() + " distinct moves: " + seen);
        assertTrue(seen.contains("flip 2,-2") || seen.contains("flip -2,2") || seen.contains("keep 2,2"), seen.toString());
    }

    /** "flip|keep dx,dy" if dst is src moved by whole pixels within ±2 (and maybe flipped), else null. */
    private static String matchingWholePixelMove(float[] src, float[] dst) {
        float[] candidate = new float[src.length];
        for (boolean flip : new boolean[]{false, true}) {
            for (int dx = -2; dx <= 2; dx++) {
                for (int dy = -2; dy <= 2; dy++) {
                    Augmenter.apply(src, 0, candidate, 0, SIDE, new Augmenter.Transform(flip, 1, 1, 0, 0, dx, dy));
                    if (java.util.Arrays.equals(candidate, dst)) {
                        return (flip ? "flip " : "keep ") + dx + "," + dy;
                    }
                }
            }
        }
        return null;
    }

    /** An asymmetric test pattern: distinct values, a bright bar on the left. */
    private static float[] knownImage() {
        float[] img = new float[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                img[y * SIDE + x] = (x < 5 ? 1f : 0f) * 0.5f + (y * SIDE + x) / (2f * SIDE * SIDE);
            }
        }
        return img;
    }

    @Test
    void randomErasingBlanksOneRectangleOfTwoToFortyPercentWithNoise() {
        Rng rng = new Rng(3);
        for (int trial = 0; trial < 200; trial++) {
            float[] image = new float[SIDE * SIDE];
            java.util.Arrays.fill(image, -1f); // a value noise in [0,1) never takes
            int area = Augmenter.erase(image, 0, SIDE, rng);
            int changed = 0;
            int minX = SIDE;
            int maxX = -1;
            int minY = SIDE;
            int maxY = -1;
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    float v = image[y * SIDE + x];
                    if (v != -1f) {
                        assertTrue(v >= 0 && v < 1, "noise in [0,1): " + v);
                        changed++;
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            assertEquals(area, changed);
            assertEquals((maxX - minX + 1) * (maxY - minY + 1), changed, "one solid rectangle");
            assertTrue(changed >= 0.015 * SIDE * SIDE && changed <= 0.45 * SIDE * SIDE, "area " + changed);
        }
    }

    @Test
    void erasingHappensAtItsProbabilityAndOnlyWhenAsked() {
        float[] src = knownImage();
        float[] dst = new float[SIDE * SIDE];
        Augmenter never = new Augmenter(AugmentConfig.none());
        never.augment(src, 0, dst, 0, SIDE, new Rng(1));
        assertArrayEquals(src, dst, "no augmentation, no erasing: the image is copied");
        Augmenter half = new Augmenter(AugmentConfig.none().withErasing(0.5));
        Rng rng = new Rng(9);
        int erased = 0;
        for (int i = 0; i < 1000; i++) {
            half.augment(src, 0, dst, 0, SIDE, rng);
            if (!java.util.Arrays.equals(src, dst)) {
                erased++;
            }
        }
        assertEquals(500, erased, 50);
    }
}
