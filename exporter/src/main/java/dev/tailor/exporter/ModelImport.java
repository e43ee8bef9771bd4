package dev.tailor.exporter;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.ImageSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One import: an ONNX file this exporter wrote to a run folder, only after SameDiff on the read
 * weights matched ONNX Runtime on the file. Nothing is written when reading or parity fails.
 */
public final class ModelImport {
    private final OnnxImporter importer;

    public ModelImport(OnnxImporter importer) {
        this.importer = importer;
    }

    /** The outcome: the model written and the parity figures. */
    public record Result(TrainedModel model, Path runDir, ParityCheck.Result parity) {
        @Override
        public String toString() {
            return "wrote " + runDir + "; " + parity;
        }
    }

    /** Reads {@code onnxFile}, checks parity on {@code parityImages}, writes the run folder {@code out}. */
    public Result importTo(Path onnxFile, ImageSet parityImages, Path out) {
        if (Files.exists(out.resolve(TrainedModel.INFO_FILE))) {
            throw new IllegalArgumentException(out + " already holds a model; choose a new folder");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(onnxFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + onnxFile, e);
        }
        TrainedModel model = importer.read(bytes, onnxFile);
        ParityCheck.Result parity = ParityCheck.verify(bytes, model.definition(), model.weights(), parityImages);
        model.save(out);
        return new Result(model, out, parity);
    }
}
