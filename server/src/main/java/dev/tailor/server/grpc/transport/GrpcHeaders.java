package dev.tailor.server.grpc.transport;

import io.grpc.Metadata;
import io.grpc.Status;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2Headers;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * Translates between HTTP/2 headers and gRPC metadata, and writes the response headers and
 * trailers of a call: status, {@code grpc-status} and a {@code grpc-message} percent-encoded as the
 * gRPC wire protocol asks, so a description with any characters reaches the client intact.
 */
final class GrpcHeaders {
    /** The only message encoding this server reads and writes. */
    static final String IDENTITY = "identity";
    private static final Header CONTENT_TYPE = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/grpc");
    private static final Header ACCEPT_ENCODING = HeaderValues.createCached("grpc-accept-encoding", IDENTITY);
    // transport headers, not metadata
    private static final Set<String> RESERVED = Set.of("content-type", "te", "grpc-status", "grpc-message",
            "grpc-encoding", "grpc-accept-encoding", "connection", "host");

    private GrpcHeaders() {
    }

    /** A request header that is not metadata the call sees, or is not valid as a metadata key. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** The call's metadata: every request header but the transport's own ({@code -bin} values base64-decoded). */
    static Metadata metadata(Http2Headers headers) throws Malformed {
        Metadata metadata = new Metadata();
        for (Header header : headers.httpHeaders()) {
            String name = header.name().toLowerCase(java.util.Locale.ROOT);
            if (RESERVED.contains(name) || !validKey(name)) {
                continue;
            }
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                Metadata.Key<byte[]> key = Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
                for (String value : header.allValues()) {
                    try {
                        metadata.put(key, Base64.getDecoder().decode(value.trim()));
                    } catch (IllegalArgumentException e) {
                        throw new Malformed("metadata '" + name + "' is not base64");
                    }
                }
            } else {
                Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
                header.allValues().forEach(value -> metadata.put(key, value));
            }
        }
        return metadata;
    }

    /** The message encoding the request declares; absent means identity. */
    static String encoding(Headers headers) {
        return headers.first(HeaderNames.create("grpc-encoding")).map(String::trim).orElse(IDENTITY);
    }

    /** Response headers: 200, the gRPC content type and {@code metadata}. */
    static Http2Headers response(Metadata metadata) {
        WritableHeaders<?> headers = WritableHeaders.create();
        headers.set(CONTENT_TYPE);
        add(headers, metadata);
        Http2Headers http2 = Http2Headers.create(headers);
        http2.status(io.helidon.http.Status.OK_200);
        return http2;
    }

    /**
     * Trailers ending a call with {@code status} and {@code metadata}; with {@code trailersOnly}
     * (no response headers were sent) they also carry the response's status and content type.
     */
    static Http2Headers trailers(Status status, Metadata metadata, boolean trailersOnly) {
        WritableHeaders<?> headers = WritableHeaders.create();
        if (trailersOnly) {
            headers.set(CONTENT_TYPE);
        }
        if (status.getCode() == Status.Code.UNIMPLEMENTED) {
            headers.set(ACCEPT_ENCODING); // tells a client that compressed what we read
        }
        add(headers, metadata);
        headers.set(HeaderValues.create("grpc-status", status.getCode().value()));
        if (status.getDescription() != null) {
            headers.set(HeaderValues.create("grpc-message", percentEncode(status.getDescription())));
        }
        Http2Headers http2 = Http2Headers.create(headers);
        if (trailersOnly) {
            http2.status(io.helidon.http.Status.OK_200);
        }
        return http2;
    }

    /** gRPC's {@code grpc-message} encoding: UTF-8, with '%' and bytes outside 0x20..0x7E as %XX. */
    static String percentEncode(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b <= 0x7E && b != '%') {
                out.append((char) b);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
        }
        return out.toString();
    }

    private static void add(WritableHeaders<?> headers, Metadata metadata) {
        for (String name : metadata.keys()) {
            if (RESERVED.contains(name)) {
                continue;
            }
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                for (byte[] value : metadata.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER))) {
                    headers.add(HeaderNames.create(name), Base64.getEncoder().withoutPadding().encodeToString(value));
                }
            } else {
                for (String value : metadata.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
                    headers.add(HeaderNames.create(name), value);
                }
            }
        }
    }

    /** Whether {@code name} may be a metadata key: lower-case letters, digits, '-', '_', '.', not starting with ':'. */
    private static boolean validKey(String name) {
        if (name.isEmpty() || name.startsWith("grpc-") && !name.equals("grpc-timeout")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
