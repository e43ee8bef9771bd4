package dev.tailor.server.image;

import dev.tailor.exporter.TestModels;
import dev.tailor.trainer.data.ImageSet;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistConverterTest {
    private final FashionMnistConverter converter = new FashionMnistConverter();

    @Test
    void realFashionMnistImagesPassThroughUnchanged() {
        ImageSet test = TestModels.testImages();
        for (int i = 0; i < 1000; i++) {
            byte[] expected = Arrays.copyOfRange(test.pixels(), i * 784, (i + 1) * 784);
            FashionMnistConverter.Converted c = converter.convert(gray(expected), Preprocess.AUTO);
            assertFalse(c.photo(), "test image " + i + " taken for a photo");
            assertArrayEquals(expected, c.pixels(), "test image " + i);
        }
    }

    @Test
    void productPhotoOnWhiteIsTrimmedCentredAndNegated() {
        // a 300x200 white "photo" with a dark 100x150 product left of centre
        BufferedImage photo = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = photo.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 300, 200);
        g.setColor(new Color(40, 40, 120));
        g.fillRect(20, 30, 100, 150);
        g.dispose();
        FashionMnistConverter.Converted c = converter.convert(photo, Preprocess.AUTO);
        assertTrue(c.photo());
        byte[] px = c.pixels();
        // trimmed to the product (portrait 100x150): 28 rows tall, ~19 columns wide, centred
        assertTrue((px[14 * 28 + 14] & 0xFF) > 150, "product centre is light after negation");
        assertTrue((px[14 * 28 + 1] & 0xFF) < 10, "padding left of the product is dark");
        assertTrue((px[14 * 28 + 26] & 0xFF) < 10, "padding right of the product is dark");
        assertTrue((px[0 * 28 + 14] & 0xFF) > 150, "the product fills the height");
    }

    @Test
    void transparentBackgroundCountsAsWhite() {
        BufferedImage photo = new BufferedImage(60, 60, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = photo.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(10, 10, 40, 40);
        g.dispose();
        byte[] px = converter.convert(photo, Preprocess.AUTO).pixels();
        assertTrue((px[14 * 28 + 14] & 0xFF) > 200);
    }

    @Test
    void noneOnlyResizes() {
        BufferedImage big = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
        big.getRaster().setSample(0, 0, 0, 200);
        FashionMnistConverter.Converted c = converter.convert(big, Preprocess.NONE);
        assertFalse(c.photo());
        assertEquals(784, c.pixels().length);
    }

    private static BufferedImage gray(byte[] pixels) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < 784; p++) {
            image.getRaster().setSample(p % 28, p / 28, 0, pixels[p] & 0xFF);
        }
        return image;
    }
}
