package dev.tailor.server.explain;

import dev.tailor.server.ServingException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OcclusionSweepTest {
    @Test
    void theDefaultSweepCoversTheImageIn169Positions() {
        OcclusionSweep sweep = new OcclusionSweep(28, 4, 2);
        assertEquals(169, sweep.variants());
        assertEquals(24 * 28 + 24, sweep.corners()[168], "the last patch is flush with the far corner");
    }

    @Test
    void aStrideThatMissesTheEdgeGetsALastPositionFlushWithIt() {
        OcclusionSweep sweep = new OcclusionSweep(28, 5, 4); // 0, 4, ..., 20, then 23
        assertEquals(7 * 7, sweep.variants());
        assertEquals(23, sweep.corners()[6]);
        assertEquals(1, new OcclusionSweep(28, 28, 1).variants());
    }

    @Test
    void patchesAndStridesOutsideTheImageAreBadRequests() {
        for (int[] bad : new int[][]{{0, 2}, {29, 2}, {4, 0}, {4, 29}}) {
            assertThrows(ServingException.class, () -> new OcclusionSweep(28, bad[0], bad[1]));
        }
    }

    @Test
    void occludingBlanksOnlyThePatch() {
        OcclusionSweep sweep = new OcclusionSweep(4, 2, 2);
        float[] image = new float[16];
        java.util.Arrays.fill(image, 1f);
        float[] target = new float[20];
        sweep.occlude(image, 2, 0f, target, 2); // the top-right patch, written after two floats of something else
        assertArrayEquals(new float[]{0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, target);
        assertTrue(sweep.changes(image, 2, 0f));
        assertFalse(sweep.changes(new float[16], 2, 0f));
    }

    @Test
    void aDropIsSharedByThePixelsThePatchChanged() {
        OcclusionSweep sweep = new OcclusionSweep(4, 2, 2); // corners 0, 2, 8, 10
        float[] image = new float[16];
        image[0] = 1f; // the only content: top-left patch, one pixel
        image[15] = 1f; // bottom-right patch, one pixel
        float[] map = sweep.map(new float[]{0.5f, 0f, 0f, -0.25f}, image, 0f);
        assertEquals(0.5f, map[0]);
        assertEquals(0f, map[1], "background around the garment gets nothing");
        assertEquals(-0.25f, map[15]);
        assertEquals(0f, map[10]);
    }
}
