package dev.tailor.trainer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tailor.trainer.model.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A training checkpoint folder: {@code state.json} (epoch, step, learning rate, RNG and scheduler
 * state, history), {@code params.bin} (weights and running statistics), {@code optimizer.bin}
 * (Adam moments), {@code best.bin} (the weights of the best validation epoch) and, once stochastic
 * weight averaging has begun, {@code average.bin} (the running mean; null otherwise). Written to a
 * sibling temporary folder and moved into place, so a crash mid-write leaves the previous one.
 */
public record Checkpoint(TrainingState state, Weights params, Weights optimizer, Weights best, Weights average) {
    private static final String AVERAGE_FILE = "average.bin";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Whether {@code dir} holds a complete checkpoint. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve("state.json"));
    }

    /** Writes this checkpoint to {@code dir}, replacing the previous one atomically. */
    public void save(Path dir) {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            params.save(tmp.resolve("params.bin"));
            optimizer.save(tmp.resolve("optimizer.bin"));
            best.save(tmp.resolve("best.bin"));
            if (average != null) {
                average.save(tmp.resolve(AVERAGE_FILE));
            }
            JSON.writeValue(tmp.resolve("state.json").toFile(), state);
            Path old = dir.resolveSibling(dir.getFileName() + ".old");
            deleteRecursively(old);
            if (Files.exists(dir)) {
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir, e);
        }
    }

    /** Reads a checkpoint written by {@link #save(Path)}. */
    public static Checkpoint load(Path dir) {
        if (!exists(dir)) {
            throw new IllegalArgumentException("no checkpoint in " + dir + " (nothing to resume)");
        }
        try {
            TrainingState state = JSON.readValue(dir.resolve("state.json").toFile(), TrainingState.class);
            Path average = dir.resolve(AVERAGE_FILE);
            return new Checkpoint(state, Weights.load(dir.resolve("params.bin")),
                    Weights.load(dir.resolve("optimizer.bin")), Weights.load(dir.resolve("best.bin")),
                    Files.isRegularFile(average) ? Weights.load(average) : null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + dir, e);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
