package dev.tailor.server;

/**
 * The few ways a request can fail, each with the HTTP status and the gRPC status code it maps to,
 * so that REST and gRPC report the same failure the same way.
 */
public enum ErrorKind {
    /** The request is malformed or does not fit the model (shape, datatype, element count). */
    BAD_REQUEST(400, io.grpc.Status.Code.INVALID_ARGUMENT),
    /** The call needs credentials and came without them, or with wrong ones. */
    UNAUTHORIZED(401, io.grpc.Status.Code.UNAUTHENTICATED),
    /** The call is not allowed at all (e.g. the repository API is switched off). */
    FORBIDDEN(403, io.grpc.Status.Code.PERMISSION_DENIED),
    /** Unknown model or version. */
    NOT_FOUND(404, io.grpc.Status.Code.NOT_FOUND),
    /** The body is larger than the configured limit. */
    PAYLOAD_TOO_LARGE(413, io.grpc.Status.Code.INVALID_ARGUMENT),
    /** The body's media type is not one we read. */
    UNSUPPORTED_MEDIA_TYPE(415, io.grpc.Status.Code.INVALID_ARGUMENT),
    /** The model's queue is full: the caller should retry later. */
    OVERLOADED(503, io.grpc.Status.Code.RESOURCE_EXHAUSTED),
    /** The server or model is not ready, or is shutting down. */
    UNAVAILABLE(503, io.grpc.Status.Code.UNAVAILABLE),
    /** The request's timeout or deadline passed before its result was ready. */
    DEADLINE_EXCEEDED(504, io.grpc.Status.Code.DEADLINE_EXCEEDED),
    /** A bug or a runtime failure on our side. */
    INTERNAL(500, io.grpc.Status.Code.INTERNAL);

    private final int httpStatus;
    private final io.grpc.Status.Code grpcCode;

    ErrorKind(int httpStatus, io.grpc.Status.Code grpcCode) {
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
    }

    /** HTTP status code for this failure. */
    public int httpStatus() {
        return httpStatus;
    }

    /** gRPC status code for this failure. */
    public io.grpc.Status.Code grpcCode() {
        return grpcCode;
    }
}
