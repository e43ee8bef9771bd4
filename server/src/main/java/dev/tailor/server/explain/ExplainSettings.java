package dev.tailor.server.explain;

import io.helidon.config.Config;

/**
 * The {@code tailor.explain} keys: the default occlusion patch and stride, and the most occluded
 * variants one explanation may ask for, which bounds what one request can cost the model.
 *
 * @param patch       default patch side in pixels ({@code tailor.explain.patch}, 4)
 * @param stride      default stride in pixels ({@code tailor.explain.stride}, 2)
 * @param maxVariants most occluded variants per request ({@code tailor.explain.max-variants}, 256)
 */
public record ExplainSettings(int patch, int stride, int maxVariants) {
    /** The defaults: a 4×4 patch every 2 pixels (169 variants), at most 256. */
    public static final ExplainSettings DEFAULTS = new ExplainSettings(4, 2, 256);

    public ExplainSettings {
        if (patch < 1 || stride < 1 || maxVariants < 1) {
            throw new IllegalArgumentException("tailor.explain.patch, stride and max-variants must be >= 1, got "
                    + patch + ", " + stride + ", " + maxVariants);
        }
    }

    /** Reads the {@code tailor.explain} node ({@code explain}), defaulting each missing key. */
    public static ExplainSettings from(Config explain) {
        return new ExplainSettings(explain.get("patch").asInt().orElse(DEFAULTS.patch),
                explain.get("stride").asInt().orElse(DEFAULTS.stride),
                explain.get("max-variants").asInt().orElse(DEFAULTS.maxVariants));
    }
}
