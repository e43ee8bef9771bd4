package dev.tailor.server.serving;

import dev.tailor.server.batch.DynamicBatcher;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.OnnxModel;

/** A loaded model with the batcher in front of it: what the protocol layers talk to. */
public record ServedModel(OnnxModel model, DynamicBatcher batcher) {
    /** The model's description. */
    public ModelInfo info() {
        return model.info();
    }
}
