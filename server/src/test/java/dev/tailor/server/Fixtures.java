package dev.tailor.server;

import dev.tailor.exporter.TestModels;
import dev.tailor.server.model.Device;
import dev.tailor.server.model.OrtRuntime;
import dev.tailor.server.model.RuntimeSettings;
import dev.tailor.trainer.data.ImageSet;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Shared test material: a folder with real models the exporter wrote after brief training on
 * Fashion-MNIST (made once per test JVM), the real test images, and server configuration.
 */
final class Fixtures {
    private static Path models;

    private Fixtures() {
    }

    /** The CPU settings of every test server and session. */
    static final RuntimeSettings CPU = new RuntimeSettings(Device.CPU, 0, 2, 1);

    /**
     * A folder holding {@code cnn1.onnx} and {@code ann.onnx}. ONNX Runtime's environment is made
     * first, the server's way (shared thread pools): the exporter's parity check would otherwise
     * make a plain one, and every later server in this JVM would run without the shared pools.
     */
    static synchronized Path models() {
        OrtRuntime.of(CPU);
        if (models == null) {
            try {
                Path dir = Files.createTempDirectory("tailor-models");
                dir.toFile().deleteOnExit();
                TestModels.exported("cnn1", dir).toFile().deleteOnExit();
                TestModels.exported("ann", dir).toFile().deleteOnExit();
                models = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return models;
    }

    /** The repository's {@code models/} folder: the shipped, fully trained {@code cnn4b.onnx}. */
    static Path shippedModels() {
        Path dir = Path.of("..", "models").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("cnn4b.onnx"))) {
            throw new IllegalStateException("the shipped model " + dir.resolve("cnn4b.onnx") + " is missing");
        }
        return dir;
    }

    /** The official Fashion-MNIST test set. */
    static ImageSet testImages() {
        return TestModels.testImages();
    }

    /** Server configuration on a random local port, CPU, serving {@code modelsDir}, with {@code extra} on top. */
    static Config config(Path modelsDir, Map<String, String> extra) {
        Map<String, String> values = new HashMap<>();
        values.put("server.port", "0");
        values.put("server.host", "localhost");
        values.put("tailor.models-dir", modelsDir.toString());
        values.put("tailor.device", "cpu");
        values.put("tailor.intra-op-threads", "2");
        values.put("tailor.warmup-iterations", "1");
        // admission by expected wait judges the machine's speed, which a busy CI machine makes arbitrary:
        // off unless a test sets it (DynamicBatcherTest pins it without a clock)
        values.put("tailor.batching.max-queue-wait-ms", "0");
        values.put("tailor.repository.settle-ms", "0"); // the fixture files are complete when the server starts
        values.putAll(extra);
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }

    /** Image {@code i} of {@code set} as [0,1] floats, as a client of the tensor API sends it. */
    static float[] tensor(ImageSet set, int i) {
        return set.normalized(i);
    }
}
