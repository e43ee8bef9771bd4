package dev.tailor.server.explain;

import dev.tailor.server.ServingException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where a square patch goes as it slides over a square image: every {@code stride} pixels along each
 * axis, plus a last position flush with the far edge when the stride does not land there, so every
 * pixel is covered. Knows the geometry only: which pixels a position covers, and how a per-position
 * drop becomes a per-pixel map. Does not run anything.
 *
 * @param side   the image's side in pixels
 * @param patch  the patch's side in pixels
 * @param stride pixels between two positions
 */
public record OcclusionSweep(int side, int patch, int stride) {
    /**
     * @throws ServingException BAD_REQUEST when the patch or stride does not fit the image
     */
    public OcclusionSweep {
        if (patch < 1 || patch > side) {
            throw ServingException.badRequest("patch must be between 1 and " + side + ", got " + patch);
        }
        if (stride < 1 || stride > side) {
            throw ServingException.badRequest("stride must be between 1 and " + side + ", got " + stride);
        }
    }

    /** Offsets of the patch along one axis. */
    List<Integer> offsets() {
        List<Integer> offsets = new ArrayList<>();
        int last = side - patch;
        for (int o = 0; o <= last; o += stride) {
            offsets.add(o);
        }
        if (offsets.getLast() != last) {
            offsets.add(last);
        }
        return offsets;
    }

    /** The number of positions, i.e. of occluded variants the sweep makes. */
    public int variants() {
        int n = offsets().size();
        return n * n;
    }

    /** The top-left corners of every position, as {@code y * side + x}, row by row. */
    public int[] corners() {
        List<Integer> offsets = offsets();
        int[] corners = new int[offsets.size() * offsets.size()];
        int i = 0;
        for (int y : offsets) {
            for (int x : offsets) {
                corners[i++] = y * side + x;
            }
        }
        return corners;
    }

    /** Whether occluding at {@code corner} with {@code background} changes {@code image} at all. */
    public boolean changes(float[] image, int corner, float background) {
        for (int dy = 0; dy < patch; dy++) {
            for (int dx = 0; dx < patch; dx++) {
                if (image[corner + dy * side + dx] != background) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Writes {@code image} with the patch at {@code corner} set to {@code background} into {@code target} at {@code offset}. */
    public void occlude(float[] image, int corner, float background, float[] target, int offset) {
        System.arraycopy(image, 0, target, offset, image.length);
        for (int dy = 0; dy < patch; dy++) {
            int row = offset + corner + dy * side;
            Arrays.fill(target, row, row + patch, background);
        }
    }

    /**
     * The per-pixel map: each pixel gets the mean of {@code drops} (one per corner, in {@link #corners()}
     * order) over the positions that changed it, i.e. that cover it while it differs from
     * {@code background}. A pixel that already is background is the same in every variant, so no drop
     * can be its doing: it gets 0, and a patch's drop is shared by the pixels it actually removed
     * rather than smeared over the background around the garment.
     */
    public float[] map(float[] drops, float[] image, float background) {
        int[] corners = corners();
        if (drops.length != corners.length) {
            throw new IllegalArgumentException("expected " + corners.length + " drops, got " + drops.length);
        }
        double[] sum = new double[side * side];
        int[] count = new int[side * side];
        for (int i = 0; i < corners.length; i++) {
            for (int dy = 0; dy < patch; dy++) {
                for (int dx = 0; dx < patch; dx++) {
                    int pixel = corners[i] + dy * side + dx;
                    if (image[pixel] != background) {
                        sum[pixel] += drops[i];
                        count[pixel]++;
                    }
                }
            }
        }
        float[] map = new float[side * side];
        for (int p = 0; p < map.length; p++) {
            map[p] = count[p] == 0 ? 0f : (float) (sum[p] / count[p]);
        }
        return map;
    }
}
