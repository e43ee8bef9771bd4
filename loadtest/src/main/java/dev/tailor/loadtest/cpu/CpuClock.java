package dev.tailor.loadtest.cpu;

/**
 * The CPU time one process has used since it started, user and system together, all its threads
 * counted: what a measured window subtracts to learn what the work in it cost. Wall-clock time is
 * not its business.
 */
public interface CpuClock {
    /** CPU time used so far, in nanoseconds (its resolution may be coarser). */
    long nanos();
}
