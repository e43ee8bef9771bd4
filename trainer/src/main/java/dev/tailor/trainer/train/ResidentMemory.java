package dev.tailor.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * This process's resident memory (VmRSS), as Linux reports it in {@code /proc/self/status}: what
 * the training log prints after each epoch, so a run's memory can be watched (and compared epoch
 * to epoch) without a profiler. Empty on systems without {@code /proc}.
 */
public final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /** Resident bytes now, if the system says. */
    public static OptionalLong bytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.trim().split("\\s+"); // "VmRSS:   123456 kB"
                    return OptionalLong.of(Long.parseLong(parts[1]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: nothing to report
        }
        return OptionalLong.empty();
    }
}
