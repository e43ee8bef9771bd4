package dev.tailor.trainer.data;

/**
 * A dataset file is missing, truncated or not the IDX file it claims to be. The message always
 * names the file and says how to fix it, so the CLI can print it as it is.
 */
public final class DatasetException extends RuntimeException {
    /** Hint appended to every message about a missing dataset. */
    public static final String INSTALL_HINT =
            "Install the Debian package dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist) "
                    + "or point --data / TAILOR_DATA at a folder holding the four IDX files.";

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
