package dev.tailor.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every architecture, briefly trained, exports to ONNX that ONNX Runtime runs exactly like SameDiff. */
class ExportParityTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"ann", "cnn1", "cnn2", "cnn3", "cnn4b", "miniresnet", "miniresnet:bottleneck"})
    void exportPassesParityOnAThousandRealImages(String architecture) throws Exception {
        TrainedModel model = TestModels.trained(architecture);
        Path out = dir.resolve(architecture.replace(':', '-') + ".onnx");
        ModelExport.Result r = new ModelExport(OnnxExporter.standard())
                .export(model, "3", TestModels.testImages().head(1000), out);
        System.out.println(architecture + ": " + r);
        assertTrue(r.parity().passed());
        assertEquals(1000, r.parity().images());
        assertTrue(r.parity().maxAbsDiff() <= 1e-4, "max diff " + r.parity().maxAbsDiff());
        assertEquals(0, r.parity().argmaxMismatches());
        assertEquals(r.bytes(), Files.size(out));
        assertTrue(Files.notExists(dir.resolve(out.getFileName() + ".tmp")), "temporary file left behind");
    }
}
