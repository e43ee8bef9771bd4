package dev.tailor.server.grpc.transport;

import io.grpc.Status;
import io.helidon.common.buffers.BufferData;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts the DATA of one gRPC call into its messages: each a compressed flag (one byte), a length
 * (four bytes, big-endian) and that many bytes. The length is checked against the limit as soon as
 * the five bytes have arrived, before anything is buffered, and the buffer grows only with the
 * bytes that really arrive: a prefix that claims gigabytes costs nothing. Frames that are not gRPC
 * messages end the call with a status. Not thread-safe: one call's stream thread reads.
 */
final class MessageReader {
    private static final int PREFIX = 5;
    private static final int FIRST_BUFFER = 64 * 1024;

    private final int maxBytes;
    private final byte[] prefix = new byte[PREFIX];
    private int prefixFilled;
    private byte[] message; // null while a prefix is being read
    private int length;
    private int filled;

    /** A call whose DATA must be refused, with the status to refuse it with. */
    static final class Refused extends Exception {
        private final transient Status status;

        Refused(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }

        Status status() {
            return status;
        }
    }

    /** Reads messages of at most {@code maxBytes} bytes. */
    MessageReader(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Reads the bytes of {@code data} (null: none); hands each complete message to {@code sink}. */
    void read(BufferData data, Consumer<byte[]> sink) throws Refused {
        if (data == null) {
            return;
        }
        while (data.available() > 0) {
            if (message == null) {
                prefixFilled += data.read(prefix, prefixFilled, PREFIX - prefixFilled);
                if (prefixFilled < PREFIX) {
                    return;
                }
                start();
            } else {
                if (filled == message.length) {
                    message = Arrays.copyOf(message, (int) Math.min(length, 2L * message.length));
                }
                filled += data.read(message, filled, Math.min(message.length - filled, data.available()));
            }
            if (filled == length) {
                byte[] complete = message;
                message = null;
                prefixFilled = 0;
                sink.accept(complete);
            }
        }
    }

    /** Whether the stream may end here: not inside a message. */
    void checkEnd() throws Refused {
        if (message != null || prefixFilled > 0) {
            throw new Refused(Status.INTERNAL.withDescription("the request ended inside a gRPC message ("
                    + (message != null ? filled + " of " + length + " bytes" : prefixFilled + " of 5 prefix bytes")
                    + ")"));
        }
    }

    private void start() throws Refused {
        int flag = prefix[0];
        long claimed = ((prefix[1] & 0xFFL) << 24) | ((prefix[2] & 0xFFL) << 16) | ((prefix[3] & 0xFFL) << 8)
                | (prefix[4] & 0xFFL);
        if (flag == 1) {
            throw new Refused(Status.INTERNAL.withDescription("a compressed message on a call without"
                    + " grpc-encoding; this server reads uncompressed messages only"));
        }
        if (flag != 0) {
            throw new Refused(Status.INTERNAL.withDescription("the request body is not gRPC messages (the first"
                    + " byte of a message must be 0 or 1, got " + (flag & 0xFF) + ")"));
        }
        if (claimed > maxBytes) {
            throw new Refused(Status.RESOURCE_EXHAUSTED.withDescription("request message of " + claimed
                    + " bytes is larger than this server's limit of " + maxBytes
                    + " bytes (tailor.grpc-max-message-size)"));
        }
        length = (int) claimed;
        filled = 0;
        message = new byte[Math.min(length, FIRST_BUFFER)];
    }
}
