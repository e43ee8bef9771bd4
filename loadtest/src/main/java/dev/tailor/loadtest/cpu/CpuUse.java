package dev.tailor.loadtest.cpu;

/**
 * The CPU a measured window cost, in nanoseconds: the load generator's (this JVM) and the
 * server's, -1 when the server was not measured.
 */
public record CpuUse(long loadGeneratorNanos, long serverNanos) {
    /** Whether the server's CPU was measured. */
    public boolean serverMeasured() {
        return serverNanos >= 0;
    }
}
