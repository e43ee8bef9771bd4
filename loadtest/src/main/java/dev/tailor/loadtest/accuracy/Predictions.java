package dev.tailor.loadtest.accuracy;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One run's answer for each test image: the true label and the predicted class, by image number.
 * Written as a small CSV ({@code image,label,predicted}) so that two models' runs can be compared
 * image by image later ({@link McNemar}), not only by their totals.
 */
public record Predictions(int[] labels, int[] predicted) {
    private static final String HEADER = "image,label,predicted";

    /** Checks that both arrays cover the same images. */
    public Predictions {
        if (labels.length != predicted.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + predicted.length + " predictions");
        }
    }

    /** How many images. */
    public int count() {
        return labels.length;
    }

    /** Whether image {@code i} was classified right. */
    public boolean right(int i) {
        return labels[i] == predicted[i];
    }

    /** Writes the CSV to {@code file}, replacing it. */
    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(HEADER);
            out.newLine();
            for (int i = 0; i < count(); i++) {
                out.write(i + "," + labels[i] + "," + predicted[i]);
                out.newLine();
            }
        }
    }

    /**
     * Reads a CSV written by {@link #write}. Throws {@link IOException} with the file and line named
     * when it is not one: images must run 0, 1, 2, ... and classes lie in {@code [0, classes)}.
     */
    public static Predictions read(Path file, int classes) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().strip().equals(HEADER)) {
            throw new IOException(file + " is not a predictions file: its first line must be '" + HEADER + "'");
        }
        int n = (int) lines.stream().skip(1).filter(line -> !line.isBlank()).count();
        int[] labels = new int[n];
        int[] predicted = new int[n];
        int i = 0;
        for (int lineNumber = 2; lineNumber <= lines.size(); lineNumber++) {
            String line = lines.get(lineNumber - 1);
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.strip().split(",");
            try {
                if (fields.length != 3 || Integer.parseInt(fields[0]) != i) {
                    throw new NumberFormatException();
                }
                labels[i] = classIndex(fields[1], classes);
                predicted[i] = classIndex(fields[2], classes);
            } catch (NumberFormatException e) {
                throw new IOException(file + " line " + lineNumber + ": expected '" + i + ",LABEL,PREDICTED' with classes 0-"
                        + (classes - 1) + ", got '" + line.strip() + "'");
            }
            i++;
        }
        return new Predictions(labels, predicted);
    }

    private static int classIndex(String text, int classes) {
        int c = Integer.parseInt(text.strip());
        if (c < 0 || c >= classes) {
            throw new NumberFormatException();
        }
        return c;
    }
}
