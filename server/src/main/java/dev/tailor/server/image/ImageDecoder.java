package dev.tailor.server.image;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Decodes encoded image bytes (PNG, JPEG, GIF, BMP: what the JDK's ImageIO reads) into a
 * {@link BufferedImage}, refusing non-images, truncated files and images too large to be a
 * product photo before their pixels are allocated.
 */
public final class ImageDecoder {
    private final long maxPixels;

    /** Images with more than {@code maxPixels} pixels are refused (decompression bombs). */
    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /**
     * Decodes one image.
     *
     * @throws ServingException 415 for bytes that are no image we read, 400 for a broken or oversized one
     */
    public BufferedImage decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw ServingException.badRequest("empty image");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ServingException(ErrorKind.UNSUPPORTED_MEDIA_TYPE,
                        "not an image this server decodes (PNG, JPEG, GIF, BMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw ServingException.badRequest("image is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + "; at most " + maxPixels + " pixels are accepted");
                }
                // the JPEG reader only warns about a premature end of data and returns a half-grey image
                java.util.List<String> warnings = new java.util.ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw ServingException.badRequest("image is truncated or corrupt: " + warnings.getFirst());
                }
                if (image.getWidth() < 1 || image.getHeight() < 1) {
                    throw ServingException.badRequest("image has no pixels");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ServingException serving) {
                throw serving;
            }
            // ImageIO reports truncated or corrupt data as IIOException (or, for some codecs, runtime exceptions)
            throw ServingException.badRequest("cannot decode image (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is it truncated or corrupt?");
        }
    }
}
