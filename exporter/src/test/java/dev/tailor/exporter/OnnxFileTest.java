package dev.tailor.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.Layer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The written file: every metadata field, a dynamic batch dimension, loud failures for unknown
 * layers or operators, and nothing on disk when the parity check fails.
 */
class OnnxFileTest {
    @TempDir
    Path dir;

    @Test
    void fileCarriesEveryMetadataFieldAndLoadsInOnnxRuntime() throws Exception {
        Path file = TestModels.exported("cnn1", dir);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(file.toString(), opts)) {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            for (String key : List.of("labels", "architecture", "model_version", "test_accuracy", "test_macro_f1",
                    "input_scale", "input_layout", "input_polarity", "config_digest", "created", "producer")) {
                assertTrue(meta.containsKey(key) && !meta.get(key).isBlank(), "metadata " + key + " missing: " + meta);
            }
            assertEquals("[\"T-shirt/top\",\"Trouser\",\"Pullover\",\"Dress\",\"Coat\",\"Sandal\",\"Shirt\",\"Sneaker\",\"Bag\",\"Ankle boot\"]",
                    meta.get("labels"));
            assertEquals("cnn1", meta.get("architecture"));
            assertEquals("1", meta.get("model_version"));
            assertEquals("NCHW", meta.get("input_layout"));
            assertEquals("white-on-black", meta.get("input_polarity"));
            assertEquals(1 / 255.0, Double.parseDouble(meta.get("input_scale")), 1e-12);
            TrainedModel model = TestModels.trained("cnn1");
            assertEquals(model.info().testAccuracy(), Double.parseDouble(meta.get("test_accuracy")), 1e-4);
            assertEquals(ModelMetadata.PRODUCER, session.getMetadata().getProducerName());
            assertTrue(session.getMetadata().getDescription().contains("cnn1"));
            TensorInfo input = (TensorInfo) session.getInputInfo().get("input").getInfo();
            assertArrayEquals(new long[]{-1, 1, 28, 28}, input.getShape());
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            assertEquals(List.of("probabilities", "logits"), List.copyOf(outputs.keySet()));
        }
    }

    @Test
    void batchesOfOneSevenAndSixtyFourGiveTheSameAnswers() throws Exception {
        Path file = TestModels.exported("cnn3", dir);
        ImageSet images = TestModels.testImages().head(64);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(file.toString(), opts)) {
            float[][] whole = run(env, session, images, 0, 64);
            for (int i = 0; i < 64; i++) {
                assertArrayEquals(whole[i], run(env, session, images, i, 1)[0], 1e-6f, "image " + i + " alone");
            }
            for (int from = 0; from + 7 <= 64; from += 7) {
                float[][] seven = run(env, session, images, from, 7);
                for (int k = 0; k < 7; k++) {
                    assertArrayEquals(whole[from + k], seven[k], 1e-6f, "image " + (from + k) + " in a batch of 7");
                }
            }
        }
    }

    @Test
    void aLayerWithoutMappingFailsTheExportNamingOpAndNode() {
        TrainedModel model = TestModels.trained("cnn1");
        OnnxExporter exporter = new OnnxExporter(LayerMappings.standard().without(Layer.MaxPool.class), OnnxOpTable.standard());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new ModelExport(exporter).export(model, "1", TestModels.testImages().head(1000), dir.resolve("x.onnx")));
        assertTrue(e.getMessage().contains("'MaxPool'") && e.getMessage().contains("'pool1'"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("x.onnx")));
    }

    @Test
    void anOperatorOutsideTheOpTableFailsNamingOpAndNode() {
        TrainedModel model = TestModels.trained("cnn1");
        OnnxExporter exporter = new OnnxExporter(LayerMappings.standard(), OnnxOpTable.standard().without("Gemm"));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> exporter.export(model.definition(), model.weights(), ModelMetadata.of(model, "1")));
        assertTrue(e.getMessage().contains("'Gemm'") && e.getMessage().contains("'dense1'"), e.getMessage());
    }

    @Test
    void failedParityWritesNothing() throws Exception {
        TrainedModel model = TestModels.trained("cnn1");
        // a wrong mapping (ReLU exported as identity-free softmax) must be caught by the parity check
        LayerMappings wrong = LayerMappings.standard().with(Layer.Relu.class, (node, in, out) -> {
            out.node("Softmax", node.name(), in, node.name(), Map.of("axis", 1));
            return node.name();
        });
        Path target = dir.resolve("wrong.onnx");
        Files.writeString(dir.resolve("keep.txt"), "x");
        ParityCheck.ParityException e = assertThrows(ParityCheck.ParityException.class, () ->
                new ModelExport(new OnnxExporter(wrong, OnnxOpTable.standard())).export(model, "1",
                        TestModels.testImages().head(1000), target));
        assertTrue(e.getMessage().contains("disagree"), e.getMessage());
        assertTrue(Files.notExists(target) && Files.notExists(dir.resolve("wrong.onnx.tmp")));
    }

    @Test
    void parityNeedsAtLeastAThousandImages() {
        TrainedModel model = TestModels.trained("cnn1");
        assertThrows(IllegalArgumentException.class, () -> new ModelExport(OnnxExporter.standard())
                .export(model, "1", TestModels.testImages().head(999), dir.resolve("y.onnx")));
    }

    private static float[][] run(OrtEnvironment env, OrtSession session, ImageSet images, int from, int n) throws Exception {
        float[] px = new float[n * 784];
        for (int k = 0; k < n; k++) {
            images.copyNormalized(from + k, px, k * 784);
        }
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[]{n, 1, 28, 28});
             OrtSession.Result r = session.run(Map.of("input", t))) {
            return (float[][]) r.get("probabilities").orElseThrow().getValue();
        }
    }

}
