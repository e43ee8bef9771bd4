package dev.tailor.exporter;

import dev.tailor.trainer.TrainedModel;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an exported ONNX file says about itself in {@code metadata_props}: labels in order,
 * architecture, version, test figures, input normalisation, training-config digest, creation time
 * and producer. The server reads labels and normalisation from here: no side files.
 */
public record ModelMetadata(List<String> labels, String architecture, String modelVersion, double testAccuracy,
                            double testMacroF1, int testImages, String configDigest, Instant created) {
    /** Producer written into the ModelProto. */
    public static final String PRODUCER = "tailor-exporter";
    /** Producer version. */
    public static final String PRODUCER_VERSION = "0.1.0";
    /** Pixel scale applied before the model: value = pixel / 255. */
    public static final String INPUT_SCALE = Double.toString(1.0 / 255.0);

    /** Metadata of a trained model; {@code version} overrides the run's own when not null. */
    public static ModelMetadata of(TrainedModel model, String version) {
        TrainedModel.Info i = model.info();
        return new ModelMetadata(i.labels(), i.architecture(), version != null ? version : Integer.toString(i.version()),
                i.testAccuracy(), i.testMacroF1(), i.testCount(), i.configDigest(), Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    /** The key/value pairs written to {@code metadata_props}. */
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("labels", toJsonArray(labels));
        p.put("architecture", architecture);
        p.put("model_version", modelVersion);
        p.put("test_accuracy", String.format(java.util.Locale.ROOT, "%.4f", testAccuracy));
        p.put("test_macro_f1", String.format(java.util.Locale.ROOT, "%.4f", testMacroF1));
        p.put("test_images", Integer.toString(testImages));
        p.put("input_scale", INPUT_SCALE);
        p.put("input_layout", "NCHW");
        p.put("input_polarity", "white-on-black");
        p.put("config_digest", configDigest);
        p.put("created", created.toString());
        p.put("producer", PRODUCER + " " + PRODUCER_VERSION);
        return p;
    }

    /** Human description for the model's doc string. */
    public String docString() {
        return String.format(java.util.Locale.ROOT,
                "Tailor %s Fashion-MNIST classifier v%s. Input 'input' float [N,1,28,28] = pixel/255, NCHW, "
                        + "white product on black background. Outputs 'probabilities' (softmax) and 'logits', [N,10], "
                        + "labels in metadata 'labels'. Test accuracy %.4f, macro F1 %.4f on %d images.",
                architecture, modelVersion, testAccuracy, testMacroF1, testImages);
    }

    private static String toJsonArray(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }
}
