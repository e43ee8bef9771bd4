package dev.tailor.server.model;

import dev.tailor.server.batch.DynamicBatcher;

/** A loaded model with the batcher in front of it: what the protocol layers talk to. */
public record ServedModel(OnnxModel model, DynamicBatcher batcher) {
    /** The model's description. */
    public ModelInfo info() {
        return model.info();
    }
}
