package dev.tailor.trainer.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tailor.trainer.train.EpochStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The JSON report of a run ({@code report.json}): what was trained and how, per-epoch history,
 * speed, and the final evaluation on the official test set.
 */
public record TrainingReport(String architecture, long parameters, Map<String, Object> config, long seed,
                             int bestEpoch, double wallSeconds, double trainImagesPerSecond,
                             List<EpochStats> history, ClassificationReport test) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void write(Path file) {
        try {
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static TrainingReport read(Path file) {
        try {
            return JSON.readValue(file.toFile(), TrainingReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
