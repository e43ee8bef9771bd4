package dev.tailor.loadtest;

/**
 * A problem the user can fix (a wrong option, an unreachable target, a missing model or data file),
 * reported as one line without a stack trace, with the exit status the command ends with.
 */
public final class LoadTestException extends RuntimeException {
    private final int exitStatus;

    public LoadTestException(int exitStatus, String message) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }

    /** The command's exit status for this problem. */
    public int exitStatus() {
        return exitStatus;
    }
}
