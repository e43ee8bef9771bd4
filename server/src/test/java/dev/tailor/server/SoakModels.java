package dev.tailor.server;

import dev.tailor.exporter.TestModels;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the two real models {@link SwapSoak} swaps ({@code cnn1.onnx}, {@code ann.onnx}, briefly
 * trained and exported) into a folder, in a JVM of its own, so that the soak's memory figures are
 * the server's alone, not the trainer's. Usage: {@code SoakModels DIR}.
 */
public final class SoakModels {
    private SoakModels() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        TestModels.exported("cnn1", dir);
        TestModels.exported("ann", dir);
        System.out.println("wrote " + dir.resolve("cnn1.onnx") + " and " + dir.resolve("ann.onnx"));
    }
}
