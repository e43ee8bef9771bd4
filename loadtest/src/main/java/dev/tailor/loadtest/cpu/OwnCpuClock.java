package dev.tailor.loadtest.cpu;

import java.lang.management.ManagementFactory;

/**
 * This JVM's own CPU time, from the platform's {@link com.sun.management.OperatingSystemMXBean}
 * ({@code getProcessCpuTime}): nanoseconds as the OS reports them, every thread counted, JIT and
 * GC included. Used for the load generator's cost and the in-process ceiling.
 */
public final class OwnCpuClock implements CpuClock {
    private final com.sun.management.OperatingSystemMXBean os;

    /**
     * @throws IllegalStateException when this JVM does not report its process CPU time
     */
    public OwnCpuClock() {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean)
                || bean.getProcessCpuTime() < 0) {
            throw new IllegalStateException("this JVM does not report its process CPU time "
                    + "(com.sun.management.OperatingSystemMXBean#getProcessCpuTime)");
        }
        this.os = bean;
    }

    @Override
    public long nanos() {
        return os.getProcessCpuTime();
    }
}
