package dev.tailor.server.image;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes encoded image bytes (PNG, JPEG, GIF, BMP: what the JDK's ImageIO reads) into a
 * {@link BufferedImage}, refusing non-images, truncated files and images too large to be a
 * product photo before their pixels are allocated: {@link #measure} reads only the headers, so a
 * request's images are all checked against the limits (per image and per request) before any is
 * decoded.
 */
public final class ImageDecoder {
    private final long maxPixels;
    private final long maxRequestPixels;

    /**
     * Refuses images of more than {@code maxPixels} pixels ({@code tailor.max-image-pixels}) and
     * requests of more than {@code maxRequestPixels} pixels in all ({@code tailor.max-request-pixels}).
     */
    public ImageDecoder(long maxPixels, long maxRequestPixels) {
        if (maxPixels < 1 || maxRequestPixels < 1) {
            throw new IllegalArgumentException("tailor.max-image-pixels and tailor.max-request-pixels must be >= 1");
        }
        this.maxPixels = maxPixels;
        this.maxRequestPixels = maxRequestPixels;
    }

    /**
     * Reads the width and height of every image from its header and checks them against the limits.
     *
     * @throws ServingException 415 for bytes that are no image we read, 400 for an empty or broken
     *                          header, an image over the per-image limit or images over the per-request one
     */
    public void measure(List<byte[]> images) {
        long total = 0;
        for (int i = 0; i < images.size(); i++) {
            String which = images.size() == 1 ? "" : "image " + (i + 1) + ": ";
            long[] size = withReader(images.get(i), which, reader -> new long[]{reader.getWidth(0), reader.getHeight(0)});
            long pixels = size[0] * size[1];
            if (pixels > maxPixels) {
                throw ServingException.badRequest(which + "image is " + size[0] + "x" + size[1] + "; at most "
                        + maxPixels + " pixels per image are accepted (tailor.max-image-pixels)");
            }
            total += pixels;
        }
        if (total > maxRequestPixels) {
            throw ServingException.badRequest("the request's images have " + total + " pixels in all; at most "
                    + maxRequestPixels + " are accepted per request (tailor.max-request-pixels)");
        }
    }

    /**
     * Decodes one image.
     *
     * @throws ServingException 415 for bytes that are no image we read, 400 for a broken or oversized one
     */
    public BufferedImage decode(byte[] bytes) {
        return withReader(bytes, "", reader -> {
            long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
            if (pixels > maxPixels) {
                throw ServingException.badRequest("image is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                        + "; at most " + maxPixels + " pixels per image are accepted (tailor.max-image-pixels)");
            }
            // the JPEG reader only warns about a premature end of data and returns a half-grey image
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            if (!warnings.isEmpty()) {
                throw ServingException.badRequest("image is truncated or corrupt: " + warnings.getFirst());
            }
            if (image.getWidth() < 1 || image.getHeight() < 1) {
                throw ServingException.badRequest("image has no pixels");
            }
            return image;
        });
    }

    private interface ReaderTask<T> {
        T run(ImageReader reader) throws IOException;
    }

    private static <T> T withReader(byte[] bytes, String which, ReaderTask<T> task) {
        if (bytes.length == 0) {
            throw ServingException.badRequest(which + "empty image (no bytes)");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ServingException(ErrorKind.UNSUPPORTED_MEDIA_TYPE,
                        which + "not an image this server decodes (PNG, JPEG, GIF, BMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return task.run(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ServingException serving) {
                throw serving;
            }
            // ImageIO reports truncated or corrupt data as IIOException (or, for some codecs, runtime
            // exceptions): their messages are the codec's and say nothing a client can use
            throw ServingException.badRequest(which + "cannot decode the image; is it truncated or corrupt?");
        }
    }
}
