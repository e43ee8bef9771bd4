package dev.tailor.exporter;

import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.ImageSet;
import java.nio.file.Path;

/**
 * One export: a trained model (run folder) to an ONNX file, only after the parity check passed.
 * Nothing is written when export or parity fails.
 */
public final class ModelExport {
    private final OnnxExporter exporter;

    public ModelExport(OnnxExporter exporter) {
        this.exporter = exporter;
    }

    /** The outcome: where the file went, its size, the parity figures and how long export took. */
    public record Result(Path file, long bytes, ParityCheck.Result parity, double exportSeconds) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "wrote %s (%,d bytes) in %.2f s; %s", file, bytes, exportSeconds, parity);
        }
    }

    /** Exports {@code model} to {@code out}, checking parity on {@code parityImages}. */
    public Result export(TrainedModel model, String version, ImageSet parityImages, Path out) {
        long t0 = System.nanoTime();
        byte[] onnx = exporter.export(model.definition(), model.weights(), ModelMetadata.of(model, version));
        double seconds = (System.nanoTime() - t0) / 1e9;
        ParityCheck.Result parity = ParityCheck.verify(onnx, model.definition(), model.weights(), parityImages);
        AtomicFiles.write(out, onnx);
        return new Result(out, onnx.length, parity, seconds);
    }
}
