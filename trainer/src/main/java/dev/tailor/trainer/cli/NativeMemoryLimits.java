package dev.tailor.trainer.cli;

import java.lang.management.ManagementFactory;

/**
 * Bounds ND4J's off-heap memory when the user has not: JavaCPP (which allocates every ND4J array)
 * reads {@code org.bytedeco.javacpp.maxbytes} and {@code maxphysicalbytes} once, when its first
 * class loads, and by default allows about as much as the machine has. The trainer frees its
 * per-step arrays itself, so these limits are a safety net: past them JavaCPP first collects
 * garbage and only then refuses, instead of the kernel's OOM killer ending the run. Must run before
 * anything touches ND4J. Values given with {@code -D} win.
 */
final class NativeMemoryLimits {
    static final String MAX_BYTES = "org.bytedeco.javacpp.maxbytes";
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";
    private static final long GIB = 1L << 30;

    private NativeMemoryLimits() {
    }

    /** Sets the defaults for the limits the command line left unset. */
    static void applyDefaults() {
        long machine = machineMemory();
        setIfAbsent(MAX_BYTES, Math.min(4 * GIB, machine / 2));
        setIfAbsent(MAX_PHYSICAL_BYTES, Math.min(6 * GIB, machine * 3 / 4));
    }

    private static void setIfAbsent(String key, long bytes) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, Long.toString(bytes));
        }
    }

    private static long machineMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 8 * GIB;
    }
}
