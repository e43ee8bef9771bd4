package dev.tailor.trainer.model;

/**
 * Options that change an architecture's shape. {@code bottleneck} swaps MiniResNet's basic
 * blocks for 1×1→3×3→1×1 bottleneck blocks (the seed's stated next step); others ignore it.
 */
public record ArchitectureOptions(boolean bottleneck) {
    /** The seeds' defaults. */
    public static ArchitectureOptions defaults() {
        return new ArchitectureOptions(false);
    }
}
