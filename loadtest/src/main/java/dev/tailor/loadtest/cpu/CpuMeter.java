package dev.tailor.loadtest.cpu;

/**
 * Measures what a window of work cost in CPU: the load generator's own (this JVM) and, when a
 * server process is given, the server's. {@link #mark()} at the window's start,
 * {@link #since(Mark)} at its end.
 */
public final class CpuMeter {
    private final CpuClock own;
    private final CpuClock server;

    /**
     * @param own    this process's clock
     * @param server the server process's clock, or null when it is not measured
     */
    public CpuMeter(CpuClock own, CpuClock server) {
        this.own = own;
        this.server = server;
    }

    /** Both clocks at one moment; the server's is -1 when not measured. */
    public record Mark(long ownNanos, long serverNanos) {
    }

    /** Reads both clocks now. */
    public Mark mark() {
        return new Mark(own.nanos(), server == null ? -1 : server.nanos());
    }

    /** The CPU each process used since {@code start}. */
    public CpuUse since(Mark start) {
        long ownNow = own.nanos();
        long serverUsed = server == null ? -1 : Math.max(0, server.nanos() - start.serverNanos());
        return new CpuUse(Math.max(0, ownNow - start.ownNanos()), serverUsed);
    }
}
