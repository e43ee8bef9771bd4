package dev.tailor.server.serving;

import java.nio.file.Path;

/**
 * One model file found in the models folder: {@code name.onnx} (version from its metadata) or
 * Triton's {@code name/<version>/model.onnx}.
 *
 * @param name     the model's name
 * @param version  the version folder's number, or null for a {@code name.onnx} file
 * @param relative the path inside the models folder, as shown to users
 * @param path     where it is
 * @param stamp    its size, modification time and identity when found
 */
record ModelFile(String name, Long version, String relative, Path path, FileStamp stamp) {
    /** The version to serve it as, or null to take the model's {@code model_version} metadata. */
    String servedVersion() {
        return version == null ? null : Long.toString(version);
    }
}
