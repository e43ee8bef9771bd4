package dev.tailor.server.image;

import dev.tailor.server.ServingException;

import java.util.Locale;

/** How an uploaded image is turned into a 28×28 Fashion-MNIST-like image. */
public enum Preprocess {
    /** Fashion-MNIST-like images (28×28, dark border) pass through; anything else is treated as a photo. */
    AUTO,
    /** Always apply the dataset's photo conversion (trim, resize, sharpen, pad, negate). */
    PHOTO,
    /** Only grayscale and, if needed, resize to 28×28; no trimming or negation. */
    NONE;

    /** Parses a request parameter; null or empty means {@link #AUTO}. */
    public static Preprocess parse(String text) {
        if (text == null || text.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ServingException.badRequest("preprocess must be auto, photo or none, not '" + text + "'");
        }
    }
}
