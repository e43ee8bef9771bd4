package dev.tailor.server.explain;

import dev.tailor.server.infer.Prediction;
import dev.tailor.server.model.ModelInfo;

import java.util.List;

/**
 * An occlusion-sensitivity explanation of one image.
 *
 * @param model       the model version that answered (every variant ran on it)
 * @param predictions the top-K classes of the unoccluded image
 * @param target      the class explained, with its probability on the unoccluded image
 * @param sweep       the patch geometry used
 * @param computed    occluded variants actually run: a patch over pure background changes nothing and is not run
 * @param input       the image as the model saw it, 8-bit gray, row-major, {@code side × side}
 * @param map         per pixel, the mean drop of the target's probability when a patch covering it is
 *                    occluded (negative: occluding it made the class more likely), row-major
 */
public record Explanation(ModelInfo model, List<Prediction> predictions, Prediction target, OcclusionSweep sweep,
                          int computed, byte[] input, float[] map) {
    public Explanation {
        predictions = List.copyOf(predictions);
    }
}
