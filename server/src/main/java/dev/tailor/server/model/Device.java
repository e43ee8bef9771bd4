package dev.tailor.server.model;

import java.util.Locale;

/** Where models should run, as configured ({@code tailor.device}). */
public enum Device {
    /** CUDA when it works, else CPU with a warning. */
    AUTO,
    /** CPU only. */
    CPU,
    /** CUDA or fail at start. */
    CUDA;

    /** Parses {@code auto|cpu|cuda}, case-insensitively. */
    public static Device parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tailor.device must be auto, cpu or cuda, not '" + text + "'");
        }
    }
}
