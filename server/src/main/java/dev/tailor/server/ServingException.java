package dev.tailor.server;

/**
 * A request that cannot be served, with a message meant for the caller. Thrown anywhere between
 * parsing and the batcher; the HTTP error handler and the gRPC services turn it into a status via
 * its {@link ErrorKind}. Anything else that escapes is a bug and maps to 500 / INTERNAL.
 */
public final class ServingException extends RuntimeException {
    private final ErrorKind kind;

    /** A failure of the given kind with a caller-facing message. */
    public ServingException(ErrorKind kind, String message) {
        super(message, null, false, false); // no stack trace: these are expected, and frequent under load
        this.kind = kind;
    }

    /** Which kind of failure this is. */
    public ErrorKind kind() {
        return kind;
    }

    /** 400 / INVALID_ARGUMENT. */
    public static ServingException badRequest(String message) {
        return new ServingException(ErrorKind.BAD_REQUEST, message);
    }

    /** 404 / NOT_FOUND. */
    public static ServingException notFound(String message) {
        return new ServingException(ErrorKind.NOT_FOUND, message);
    }
}
