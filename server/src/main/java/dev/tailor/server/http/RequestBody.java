package dev.tailor.server.http;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body within {@code server.max-payload-size}, the same way over HTTP/1.1 and
 * HTTP/2: Helidon 4.4.0 enforces the limit for HTTP/1.1 only (a declared length at once, a chunked
 * body as it arrives), so h2c bodies are counted here too. A declared length over the limit is
 * refused before a byte is read; a body that turns out larger is refused (413) as soon as the
 * limit is passed; a request without a body reads as empty.
 */
final class RequestBody {
    private final long maxBytes;

    /** Bodies of at most {@code maxBytes} bytes; negative: no limit (as Helidon reads -1). */
    RequestBody(long maxBytes) {
        this.maxBytes = maxBytes < 0 ? Long.MAX_VALUE / 2 : maxBytes;
    }

    /** The body as a stream that fails with PAYLOAD_TOO_LARGE past the limit. */
    InputStream stream(ServerRequest req) {
        checkDeclaredLength(req);
        if (!req.content().hasEntity()) {
            return InputStream.nullInputStream();
        }
        return new Bounded(req.content().inputStream(), maxBytes);
    }

    /** The whole body; empty when there is none. */
    byte[] bytes(ServerRequest req) {
        try {
            return stream(req).readAllBytes(); // not closed: Helidon owns the stream, and closing it drains the body
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    /** Refuses a body whose Content-Length is over the limit, before reading it. */
    void checkDeclaredLength(ServerRequest req) {
        long declared = req.headers().first(HeaderNames.CONTENT_LENGTH).map(RequestBody::parseLength).orElse(-1L);
        if (declared > maxBytes) {
            throw tooLarge();
        }
    }

    private ServingException tooLarge() {
        return new ServingException(ErrorKind.PAYLOAD_TOO_LARGE, "the request body is larger than " + maxBytes
                + " bytes (server.max-payload-size)");
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ServingException.badRequest("Content-Length is not a number");
        }
    }

    /** Counts what is read and fails once the count passes the limit. */
    private final class Bounded extends FilterInputStream {
        private long left;

        Bounded(InputStream in, long maxBytes) {
            super(in);
            this.left = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            // ask for one byte more than may come, so that a body of exactly the limit still ends cleanly
            int n = super.read(b, off, (int) Math.min(len, left + 1));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, left + 1));
            count(skipped);
            return skipped;
        }

        private void count(long n) {
            left -= n;
            if (left < 0) {
                throw tooLarge();
            }
        }
    }
}
