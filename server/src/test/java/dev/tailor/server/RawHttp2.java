package dev.tailor.server;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One HTTP/2 connection (h2c, prior knowledge) written frame by frame, for what no gRPC library
 * sends: a body that is not gRPC messages, a length prefix that lies, compressed messages, a
 * stream that ends inside a message. It keeps to the protocol otherwise (settings, flow control,
 * HPACK through Netty's coder from grpc-netty-shaded), so the server sees a valid connection, and
 * the test can send a good request on the same connection afterwards. Reads have deadlines.
 */
final class RawHttp2 implements AutoCloseable {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int PING = 6;
    private static final int GOAWAY = 7;
    private static final int WINDOW_UPDATE = 8;
    private static final int CONTINUATION = 9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int OUR_WINDOW = 1 << 30;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int port;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final Map<Integer, Stream> streams = new HashMap<>();
    private final Map<Integer, Long> sendWindows = new HashMap<>();
    private final ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
    private int nextStream = 1;
    private int maxFrame = 16384;
    private long connectionWindow = 65535;
    private long initialStreamWindow = 65535;
    private boolean goAway;
    private long connectionCredit; // the increments of the server's connection-level WINDOW_UPDATEs
    private int zeroIncrements;

    /** What came back on one stream. */
    static final class Stream {
        Http2Headers headers;
        Http2Headers trailers;
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean ended;
        Long reset;

        int status() {
            return Integer.parseInt(headers.status().toString());
        }

        /** The gRPC status code, from the trailers (or the headers of a trailers-only answer). */
        int grpcStatus() {
            Http2Headers source = trailers != null ? trailers : headers;
            CharSequence value = source.get("grpc-status");
            if (value == null) {
                throw new AssertionError("no grpc-status in " + source);
            }
            return Integer.parseInt(value.toString());
        }

        String grpcMessage() {
            Http2Headers source = trailers != null ? trailers : headers;
            CharSequence value = source.get("grpc-message");
            return value == null ? "" : java.net.URLDecoder.decode(value.toString().replace("+", "%2B"),
                    StandardCharsets.UTF_8);
        }

        String text() {
            return data.toString(StandardCharsets.UTF_8);
        }
    }

    RawHttp2(int port) throws IOException {
        this.port = port;
        this.socket = new Socket("localhost", port);
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
        out.write(PREFACE);
        ByteBuffer settings = ByteBuffer.allocate(6).putShort((short) 0x4).putInt(OUR_WINDOW); // INITIAL_WINDOW_SIZE
        frame(SETTINGS, 0, 0, settings.array());
        frame(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(OUR_WINDOW - 65535).array());
        out.flush();
    }

    /** Opens a stream with a request's headers; {@code extra} are name, value pairs. */
    int open(String method, String path, boolean endStream, String... extra) throws IOException {
        int id = nextStream;
        nextStream += 2;
        Http2Headers headers = new DefaultHttp2Headers().method(method).path(path).scheme("http")
                .authority("localhost:" + port);
        for (int i = 0; i < extra.length; i += 2) {
            headers.add(extra[i], extra[i + 1]);
        }
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(id, headers, block);
        } catch (Http2Exception e) {
            throw new IOException(e);
        }
        streams.put(id, new Stream());
        sendWindows.put(id, initialStreamWindow);
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id, ByteBufUtil.getBytes(block));
        block.release();
        out.flush();
        return id;
    }

    /** A gRPC call's headers on a new stream. */
    int openGrpc(String method, String... extra) throws IOException {
        String[] all = new String[extra.length + 4];
        all[0] = "content-type";
        all[1] = "application/grpc";
        all[2] = "te";
        all[3] = "trailers";
        System.arraycopy(extra, 0, all, 4, extra.length);
        return open("POST", "/" + method, false, all);
    }

    /** Sends {@code bytes} on stream {@code id} in DATA frames, within the server's flow-control windows. */
    void data(int id, byte[] bytes, boolean endStream) throws IOException {
        int offset = 0;
        do {
            int length = Math.min(maxFrame, bytes.length - offset);
            while (length > 0 && Math.min(connectionWindow, sendWindows.get(id)) < length) {
                if (Math.min(connectionWindow, sendWindows.get(id)) > 0) {
                    length = (int) Math.min(connectionWindow, sendWindows.get(id));
                } else {
                    out.flush();
                    readFrame(Duration.ofSeconds(5)); // wait for WINDOW_UPDATE
                    if (goAway) {
                        throw new IOException("the server sent GOAWAY");
                    }
                }
            }
            byte[] chunk = new byte[length];
            System.arraycopy(bytes, offset, chunk, 0, length);
            offset += length;
            connectionWindow -= length;
            sendWindows.merge(id, (long) -length, Long::sum);
            frame(DATA, endStream && offset == bytes.length ? END_STREAM : 0, id, chunk);
        } while (offset < bytes.length);
        out.flush();
    }

    /** A gRPC message: flag, four length bytes, the message. */
    static byte[] grpcMessage(byte[] message, boolean compressedFlag) {
        return ByteBuffer.allocate(5 + message.length).put((byte) (compressedFlag ? 1 : 0)).putInt(message.length)
                .put(message).array();
    }

    /** Resets stream {@code id} (CANCEL). */
    void reset(int id) throws IOException {
        frame(RST_STREAM, 0, id, ByteBuffer.allocate(4).putInt(0x8).array());
        out.flush();
    }

    /** Reads frames until stream {@code id} has ended (END_STREAM or RST_STREAM); fails past {@code deadline}. */
    Stream await(int id, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        Stream stream = streams.get(id);
        while (!stream.ended) {
            if (goAway) {
                throw new AssertionError("the server closed the connection (GOAWAY) before stream " + id + " ended");
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("stream " + id + " got no complete answer within " + deadline.toMillis() + " ms");
            }
            readFrame(Duration.ofNanos(left));
        }
        return stream;
    }

    /** The sum of the connection-level WINDOW_UPDATE increments read so far. */
    long connectionCredit() {
        return connectionCredit;
    }

    /** WINDOW_UPDATEs with increment 0 read so far (a protocol error in the server). */
    int zeroIncrements() {
        return zeroIncrements;
    }

    /** The largest frame the server's SETTINGS allow this client to send. */
    int serverMaxFrameSize() {
        return maxFrame;
    }

    /** Reads frames until the connection-level credit reaches {@code atLeast}; fails past {@code deadline}. */
    void awaitConnectionCredit(long atLeast, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        while (connectionCredit < atLeast) {
            long left = until - System.nanoTime();
            if (goAway || left <= 0) {
                throw new AssertionError("the server credited " + connectionCredit + " of " + atLeast
                        + " connection bytes" + (goAway ? " and sent GOAWAY" : ""));
            }
            try {
                readFrame(Duration.ofNanos(left));
            } catch (AssertionError silent) {
                throw new AssertionError("the server credited " + connectionCredit + " of " + atLeast
                        + " connection bytes and then sent nothing for " + deadline.toSeconds() + " s", silent);
            }
        }
    }

    /** Whether the server sent GOAWAY. */
    boolean goneAway() {
        return goAway;
    }

    private void readFrame(Duration deadline) throws IOException {
        socket.setSoTimeout((int) Math.max(1, deadline.toMillis()));
        int length;
        int type;
        int flags;
        int id;
        byte[] payload;
        try {
            length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            type = in.readUnsignedByte();
            flags = in.readUnsignedByte();
            id = in.readInt() & 0x7FFFFFFF;
            payload = in.readNBytes(length);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame from the server within " + deadline.toMillis() + " ms", e);
        }
        Stream stream = streams.get(id);
        switch (type) {
            case DATA -> {
                stream.data.write(payload);
                stream.ended |= (flags & END_STREAM) != 0;
            }
            case HEADERS, CONTINUATION -> {
                headerBlock.write(payload); // the server neither pads nor sends priorities
                if ((flags & END_HEADERS) != 0) {
                    Http2Headers decoded = decode(id);
                    if (stream.headers == null) {
                        stream.headers = decoded;
                    } else {
                        stream.trailers = decoded;
                    }
                }
                stream.ended |= (flags & END_STREAM) != 0;
            }
            case RST_STREAM -> {
                stream.reset = ByteBuffer.wrap(payload).getInt() & 0xFFFFFFFFL;
                stream.ended = true;
            }
            case SETTINGS -> {
                if ((flags & 0x1) == 0) {
                    settings(payload);
                    frame(SETTINGS, 0x1, 0, new byte[0]);
                    out.flush();
                }
            }
            case PING -> {
                if ((flags & 0x1) == 0) {
                    frame(PING, 0x1, 0, payload);
                    out.flush();
                }
            }
            case GOAWAY -> goAway = true;
            case WINDOW_UPDATE -> {
                long increment = ByteBuffer.wrap(payload).getInt() & 0x7FFFFFFF;
                zeroIncrements += increment == 0 ? 1 : 0; // a protocol error (RFC 9113 §6.9)
                if (id == 0) {
                    connectionWindow += increment;
                    connectionCredit += increment;
                } else {
                    sendWindows.merge(id, increment, Long::sum);
                }
            }
            default -> {
                // PRIORITY, PUSH_PROMISE, unknown: nothing to do here
            }
        }
    }

    private Http2Headers decode(int id) throws IOException {
        ByteBuf block = Unpooled.wrappedBuffer(headerBlock.toByteArray());
        headerBlock.reset();
        try {
            return decoder.decodeHeaders(id, block);
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            block.release();
        }
    }

    private void settings(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.remaining() >= 6) {
            int key = b.getShort() & 0xFFFF;
            long value = b.getInt() & 0xFFFFFFFFL;
            if (key == 0x4) {
                long delta = value - initialStreamWindow;
                initialStreamWindow = value;
                sendWindows.replaceAll((stream, window) -> window + delta);
            } else if (key == 0x5) {
                maxFrame = (int) value;
            }
        }
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream};
        out.write(header);
        out.write(payload);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
