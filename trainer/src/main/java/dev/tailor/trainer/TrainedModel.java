package dev.tailor.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A trained model as the trainer leaves it in a run folder, and as the exporter and
 * {@code trainer eval} read it back: {@code model.json} (architecture, options, labels, training
 * config and its digest, test figures), {@code weights.bin} (parameters and running statistics)
 * and {@code model.sd} (the SameDiff inference graph, for SameDiff users).
 */
public record TrainedModel(Info info, Weights weights) {
    /** File names inside a run folder. */
    public static final String INFO_FILE = "model.json";
    public static final String WEIGHTS_FILE = "weights.bin";
    public static final String SAMEDIFF_FILE = "model.sd";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What {@code model.json} holds. */
    public record Info(String architecture, ArchitectureOptions options, List<String> labels, int[] inputShape,
                       Map<String, Object> trainConfig, String configDigest, double testAccuracy, double testMacroF1,
                       int testCount, String created, int version) {
        /** A new model's description: no test figures yet ({@link #withTest}), created now, version 1. */
        public static Info fresh(String architecture, ArchitectureOptions options, List<String> labels, int[] inputShape,
                                 Map<String, Object> trainConfig) {
            return new Info(architecture, options, labels, inputShape, trainConfig, digest(trainConfig), 0, 0, 0,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), 1);
        }

        /** This description with its official test figures. */
        public Info withTest(double accuracy, double macroF1, int count) {
            return new Info(architecture, options, labels, inputShape, trainConfig, configDigest, accuracy, macroF1, count,
                    created, version);
        }

        /** Whether this is a model of {@code architecture} built with {@code options}. */
        public boolean is(String architecture, ArchitectureOptions options) {
            return this.architecture.equals(architecture) && this.options.equals(options);
        }
    }

    /** How a report names this model, read from {@code run}: where it came from and how it scored alone. */
    public Map<String, Object> provenance(Path run) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("run", run.toAbsolutePath().normalize().toString());
        described.put("architecture", info.architecture());
        described.put("configDigest", info.configDigest());
        described.put("testAccuracy", info.testAccuracy());
        return described;
    }

    /** The model definition this model's weights belong to. */
    public ModelDef definition() {
        return Architectures.byName(info.architecture()).define(info.options());
    }

    /** A fresh SameDiff inference graph holding these weights. */
    public SameDiff inferenceGraph() {
        return SameDiffGraphs.inference(definition(), weights);
    }

    /** Writes the three files into {@code dir}. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve(INFO_FILE).toFile(), info);
            weights.save(dir.resolve(WEIGHTS_FILE));
            inferenceGraph().save(dir.resolve(SAMEDIFF_FILE).toFile(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + dir, e);
        }
    }

    /** Reads a run folder written by {@link #save(Path)}; a missing file is named in the error. */
    public static TrainedModel load(Path dir) {
        Path info = dir.resolve(INFO_FILE);
        Path weights = dir.resolve(WEIGHTS_FILE);
        for (Path p : List.of(info, weights)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(dir + " is not a trained model folder: " + p.getFileName()
                        + " is missing (train one with: trainer train --model cnn4b --out " + dir + ")");
            }
        }
        try {
            TrainedModel model = new TrainedModel(JSON.readValue(info.toFile(), Info.class), Weights.load(weights));
            model.weights().checkMatches(model.definition());
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + info, e);
        }
    }

    /** SHA-256 (hex, first 16 chars) of a config's canonical JSON. */
    public static String digest(Map<String, Object> config) {
        try {
            byte[] json = JSON.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsBytes(config);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(json);
            return HexFormat.of().formatHex(hash).substring(0, 16);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A config record as a JSON-ready map. */
    public static Map<String, Object> asMap(Object config) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(config, Map.class);
        return map;
    }

}
