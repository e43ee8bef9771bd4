package dev.tailor.server.serving;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether a file has stopped changing, so that one still being copied is not loaded
 * half-written: it is stable once nothing has written to it for the settle time, judged by its
 * modification time or, where that cannot be trusted (a copy that preserves old times, clock
 * skew), by having seen the same size, time and identity for that long. Used by the loader
 * thread only.
 */
final class StableFiles {
    private final Duration settle;
    private final Map<Path, Seen> seen = new HashMap<>();

    private record Seen(FileStamp stamp, Instant since) {
    }

    StableFiles(Duration settle) {
        this.settle = settle;
    }

    /** Null when {@code file} with {@code stamp} may be read now, else how long to wait before looking again. */
    Duration waitFor(Path file, FileStamp stamp, Instant now) {
        if (settle.isZero()) {
            return null;
        }
        Seen before = seen.get(file);
        if (before == null || !before.stamp().equals(stamp)) {
            before = new Seen(stamp, now);
            seen.put(file, before);
        }
        Duration quiet = max(Duration.between(stamp.modified(), now), Duration.between(before.since(), now));
        return quiet.compareTo(settle) >= 0 ? null : settle.minus(quiet);
    }

    /** Forgets files no longer in the folder. */
    void retain(Collection<Path> present) {
        seen.keySet().retainAll(present);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
