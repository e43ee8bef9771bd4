package dev.tailor.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.exporter.cli.ExporterMain;
import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.cli.TrainerMain;
import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Weights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code exporter import}: an exported file read back gives the very arrays that went in (conv
 * kernels un-permuted, running statistics included) and the card's figures, the architecture
 * options are recognised from the weights, the trainer continues from the folder, and foreign or
 * mislabelled files are refused.
 */
class OnnxImportTest {
    @TempDir
    Path dir;

    @Test
    void aTrainedModelComesBackWithEveryArrayBitForBitAndItsFigures() {
        TrainedModel original = TestModels.trained("cnn1");
        Path file = TestModels.exported("cnn1", dir);
        TrainedModel imported = new OnnxImporter().read(file);
        assertSameArrays(original.weights(), imported.weights());
        assertEquals("cnn1", imported.info().architecture());
        assertEquals(original.info().options(), imported.info().options());
        assertEquals(FashionMnist.LABELS, imported.info().labels());
        assertEquals(original.info().testAccuracy(), imported.info().testAccuracy(), 1e-4);
        assertEquals(original.info().testCount(), imported.info().testCount());
        assertEquals(original.info().configDigest(), imported.info().configDigest());
        assertEquals(file.toAbsolutePath().normalize().toString(), imported.info().trainConfig().get("importedFrom"));
    }

    @Test
    void theBottleneckVariantIsRecognisedFromItsWeights() throws Exception {
        ModelDef def = Architectures.byName("miniresnet").define(new ArchitectureOptions(true));
        Weights weights = Weights.initialize(def, 3);
        Path file = write(def, weights, "miniresnet");
        TrainedModel imported = new OnnxImporter().read(file);
        assertTrue(imported.info().options().bottleneck(), "options " + imported.info().options());
        assertSameArrays(weights, imported.weights());
    }

    @Test
    void weightsThatDoNotFitTheNamedArchitectureAreRefused() throws Exception {
        ModelDef cnn1 = Architectures.byName("cnn1").define(ArchitectureOptions.defaults());
        Path file = write(cnn1, Weights.initialize(cnn1, 1), "cnn4b");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OnnxImporter().read(file));
        assertTrue(e.getMessage().contains("cnn4b") && e.getMessage().contains("do not match"), e.getMessage());
    }

    @Test
    void aFileFromAnotherProducerIsRefused() throws Exception {
        Path file = dir.resolve("foreign.onnx");
        Files.write(file, Onnx.ModelProto.newBuilder().setIrVersion(7).setProducerName("pytorch")
                .setGraph(Onnx.GraphProto.newBuilder().setName("g")).build().toByteArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OnnxImporter().read(file));
        assertTrue(e.getMessage().contains("only Tailor's own"), e.getMessage());
    }

    @Test
    void theCommandWritesARunFolderTheTrainerReadsAndNeverOverwritesOne() {
        Path file = TestModels.exported("cnn1", dir);
        Path run = dir.resolve("imported");
        assertEquals(0, ExporterMain.commandLine().execute("import", "--onnx", file.toString(), "--out", run.toString()));
        TrainedModel loaded = TrainedModel.load(run);
        assertSameArrays(TestModels.trained("cnn1").weights(), loaded.weights());
        assertTrue(Files.isRegularFile(run.resolve(TrainedModel.SAMEDIFF_FILE)));
        assertEquals(2, ExporterMain.commandLine().execute("import", "--onnx", file.toString(), "--out", run.toString()));
    }

    @Test
    void theTrainerContinuesFromAnImportedFile() throws Exception {
        TrainedModel original = TestModels.trained("cnn1");
        Path run = dir.resolve("imported");
        new ModelImport(new OnnxImporter()).importTo(TestModels.exported("cnn1", dir),
                TestModels.testImages().head(ParityCheck.MIN_IMAGES), run);
        Path tuned = dir.resolve("tuned");
        // at a rate too small to learn anything the run keeps the imported weights' accuracy; random ones score ~10 %
        int code = TrainerMain.commandLine().execute("train", "--model", "cnn1", "--epochs", "1", "--batch-size", "64",
                "--train-limit", "640", "--val-limit", "300", "--augment", "off", "--lr", "1e-9", "--min-lr", "1e-9",
                "--out", tuned.toString(), "--no-progress", "--init-from", run.toString());
        assertEquals(0, code);
        JsonNode report = new ObjectMapper().readTree(tuned.resolve("report.json").toFile());
        assertEquals(original.info().testAccuracy(), report.get("test").get("accuracy").asDouble(), 0.05, report.get("test").toString());
        assertEquals(run.toAbsolutePath().normalize().toString(), report.get("config").get("initFrom").get("run").asText());
    }

    private Path write(ModelDef def, Weights weights, String claimedArchitecture) throws Exception {
        ModelMetadata meta = new ModelMetadata(FashionMnist.LABELS, claimedArchitecture, "1", 0.5, 0.5, 100,
                "0123456789abcdef", Instant.parse("2026-01-01T00:00:00Z"));
        Path file = dir.resolve(claimedArchitecture + ".onnx");
        Files.write(file, OnnxExporter.standard().export(def, weights, meta));
        return file;
    }

    private static void assertSameArrays(Weights expected, Weights actual) {
        for (Map.Entry<String, INDArray> e : expected.asMap().entrySet()) {
            INDArray a = actual.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), a.shape(), e.getKey());
            assertArrayEquals(e.getValue().dup('c').data().asFloat(), a.dup('c').data().asFloat(), e.getKey());
        }
    }
}
