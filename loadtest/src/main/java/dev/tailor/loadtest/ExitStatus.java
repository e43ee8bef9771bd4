package dev.tailor.loadtest;

/** The command's exit statuses. */
public final class ExitStatus {
    /** The run finished and every threshold held. */
    public static final int PASSED = 0;
    /** The run finished and a threshold (p95, p99, error rate) was breached. */
    public static final int BREACHED = 1;
    /** A wrong option or missing data: nothing was sent. */
    public static final int USAGE = 2;
    /** The target cannot be reached or does not serve the model: nothing (more) was sent. */
    public static final int TARGET = 3;
    /** The load run itself failed (Gatling crashed or wrote no report). */
    public static final int FAILED = 4;

    private ExitStatus() {
    }
}
