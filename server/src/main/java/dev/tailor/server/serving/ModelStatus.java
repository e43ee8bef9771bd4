package dev.tailor.server.serving;

import java.time.Instant;

/**
 * Where one model file stands, as the model list, OIP metadata and the repository index show it.
 *
 * @param name      the model's name
 * @param version   the version it serves (or would), or null when not known yet (a {@code name.onnx}
 *                  file reads its version from its own metadata)
 * @param state     loading, ready, draining, unloaded or failed
 * @param reason    why it is in that state when that is not obvious (failed, draining, unloaded,
 *                  waiting for the file to settle), else null
 * @param file      the file's path inside the models folder
 * @param serving   the instance serving (or draining) from this file, or null
 * @param lastError the latest rejection of this file, or null: a rejected replacement shows here
 *                  while the previous file keeps serving
 */
public record ModelStatus(String name, String version, ModelState state, String reason, String file,
                          ServedModel serving, LoadError lastError) {

    /**
     * Why a file was not loaded.
     *
     * @param reason what was wrong with it
     * @param sha256 SHA-256 of the rejected bytes, hex (empty when they could not be read)
     * @param bytes  their count
     * @param at     when it was rejected
     */
    public record LoadError(String reason, String sha256, long bytes, Instant at) {
    }

    /** The state; FAILED for an instance in service whose batcher stopped (see {@link ServedModel#failure()}). */
    @Override
    public ModelState state() {
        return state == ModelState.READY && serving != null && serving.failure() != null ? ModelState.FAILED : state;
    }

    /** Why it is in its state; for an instance whose batcher stopped, why that happened. */
    @Override
    public String reason() {
        return state == ModelState.READY && serving != null && serving.failure() != null ? serving.failure() : reason;
    }

    /** Whether this file serves requests now. */
    public boolean isReady() {
        return state() == ModelState.READY;
    }

    ModelStatus with(ModelState newState, String newReason) {
        return new ModelStatus(name, version, newState, newReason, file, serving, lastError);
    }
}
