package dev.tailor.server.model;

import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metadata our exporter writes into a model ({@code labels}, {@code model_version},
 * {@code input_scale}, ...), read leniently: a model without it still loads, with the
 * Fashion-MNIST labels and 1/255 scaling, and a warning.
 */
record ModelMetadata(String version, String description, List<String> labels, float inputScale,
                     Map<String, String> custom) {
    /** The Fashion-MNIST classes in label order. */
    static final List<String> FASHION_MNIST_LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final System.Logger LOG = System.getLogger(ModelMetadata.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    static ModelMetadata read(String model, OnnxModelMetadata metadata, List<TensorSpec> outputs) throws OrtException {
        Map<String, String> custom = metadata.getCustomMetadata();
        int classes = outputs.isEmpty() ? 0 : outputs.getFirst().itemSize();
        String version = custom.getOrDefault("model_version", "").isBlank() ? "1" : custom.get("model_version").trim();
        return new ModelMetadata(version, metadata.getDescription(), labels(model, custom.get("labels"), classes),
                scale(model, custom.get("input_scale")), custom);
    }

    private static List<String> labels(String model, String json, int classes) {
        if (json != null) {
            try {
                JsonNode node = JSON.readTree(json);
                List<String> labels = new ArrayList<>();
                if (node.isArray()) {
                    node.forEach(n -> labels.add(n.asText()));
                }
                if (labels.size() == classes) {
                    return labels;
                }
                LOG.log(Level.WARNING, "Model " + model + ": 'labels' metadata has " + labels.size()
                        + " entries for " + classes + " classes; ignoring it");
            } catch (java.io.IOException e) {
                LOG.log(Level.WARNING, "Model " + model + ": 'labels' metadata is not a JSON array; ignoring it");
            }
        } else {
            LOG.log(Level.WARNING, "Model " + model + " has no 'labels' metadata; assuming Fashion-MNIST classes");
        }
        if (classes == FASHION_MNIST_LABELS.size()) {
            return FASHION_MNIST_LABELS;
        }
        List<String> numbered = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            numbered.add(Integer.toString(i));
        }
        return numbered;
    }

    private static float scale(String model, String text) {
        if (text != null) {
            try {
                float scale = Float.parseFloat(text.trim());
                if (scale > 0 && Float.isFinite(scale)) {
                    return scale;
                }
            } catch (NumberFormatException e) {
                // fall through to the default with a warning
            }
            LOG.log(Level.WARNING, "Model " + model + ": bad input_scale '" + text + "'; using 1/255");
        } else {
            LOG.log(Level.WARNING, "Model " + model + " has no 'input_scale' metadata; using 1/255");
        }
        return 1f / 255f;
    }
}
