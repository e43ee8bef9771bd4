package dev.tailor.server;

/**
 * Every limit a request is held to, as configured; {@code docs/api.md} lists them with the answer
 * each gives when passed.
 *
 * @param maxPayloadBytes       largest HTTP body, over HTTP/1.1 and HTTP/2 ({@code server.max-payload-size}): 413
 * @param grpcMaxMessageBytes   largest gRPC request message ({@code tailor.grpc-max-message-size}, by default
 *                              the same as {@code server.max-payload-size}): RESOURCE_EXHAUSTED
 * @param maxConcurrentRequests inference and classify requests held at once by the server, REST and gRPC together
 *                              ({@code tailor.max-concurrent-requests}): 503 / RESOURCE_EXHAUSTED
 * @param maxImagePixels        largest image the classify APIs decode ({@code tailor.max-image-pixels}): 400
 * @param maxRequestPixels      most pixels of all images of one classify request ({@code tailor.max-request-pixels}): 400
 */
public record Limits(long maxPayloadBytes, int grpcMaxMessageBytes, int maxConcurrentRequests, long maxImagePixels,
                     long maxRequestPixels) {
    public Limits {
        if (grpcMaxMessageBytes < 1 || maxConcurrentRequests < 1 || maxImagePixels < 1 || maxRequestPixels < 1) {
            throw new IllegalArgumentException("tailor.grpc-max-message-size, tailor.max-concurrent-requests,"
                    + " tailor.max-image-pixels and tailor.max-request-pixels must be >= 1");
        }
    }
}
