package dev.tailor.server.serving;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** When a file counts as written, with the clock given explicitly. */
class StableFilesTest {
    private static final Path FILE = Path.of("models/shop.onnx");
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @Test
    void aFileNobodyWroteToForTheSettleTimeIsStableAtOnce() {
        StableFiles stable = new StableFiles(Duration.ofSeconds(1));
        assertNull(stable.waitFor(FILE, stamp(10, NOW.minusSeconds(5)), NOW));
    }

    @Test
    void aFileStillChangingWaitsUntilItsStampHoldsForTheSettleTime() {
        StableFiles stable = new StableFiles(Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(1), stable.waitFor(FILE, stamp(10, NOW), NOW));
        assertEquals(Duration.ofMillis(600), stable.waitFor(FILE, stamp(10, NOW), NOW.plusMillis(400)));
        // it grew: the clock starts again
        assertEquals(Duration.ofSeconds(1), stable.waitFor(FILE, stamp(20, NOW.plusMillis(500)), NOW.plusMillis(500)));
        assertNull(stable.waitFor(FILE, stamp(20, NOW.plusMillis(500)), NOW.plusMillis(1500)));
    }

    @Test
    void aCopyThatKeptAnOldModificationTimeIsJudgedByHowLongItsStampHeld() {
        StableFiles stable = new StableFiles(Duration.ofSeconds(1));
        Instant old = NOW.minusSeconds(3600);
        assertNull(stable.waitFor(FILE, stamp(10, old), NOW), "old times alone look settled");
        Instant future = NOW.plusSeconds(3600); // clock skew on a network file system
        assertEquals(Duration.ofSeconds(1), stable.waitFor(FILE, stamp(30, future), NOW));
        assertNull(stable.waitFor(FILE, stamp(30, future), NOW.plusSeconds(1)));
    }

    @Test
    void aZeroSettleTimeLoadsEveryFileAtFirstSight() {
        assertNull(new StableFiles(Duration.ZERO).waitFor(FILE, stamp(1, NOW), NOW));
    }

    private static FileStamp stamp(long size, Instant modified) {
        return new FileStamp(size, modified, "inode-1");
    }
}
