package dev.tailor.server;

import io.helidon.config.Config;
import io.helidon.webserver.http2.Http2Config;

/**
 * The HTTP/2 settings of {@code server.protocols.http_2}, held to what keeps Helidon 4.4.0's inbound
 * flow control correct with concurrent streams.
 *
 * <p>When four frames fit in the initial window ({@code 4 × max-frame-size <= initial-window-size}),
 * Helidon defers WINDOW_UPDATEs and sends one per half window consumed, keeping the count in an
 * unsynchronized field. The connection's count is shared by every stream's thread, so concurrent
 * gRPC calls on one connection race on it: the soak benchmark caught a connection-level
 * {@code WINDOW_UPDATE} with increment 0 (a protocol error that fails every call on the connection,
 * grpc-java's "INTERNAL: http2 exception") and lost increments, which shrink the client's window
 * until the connection stalls. With larger frames Helidon sends each increment as the data is read,
 * from no shared state. So the default {@code max-frame-size} is {@value #DEFAULT_MAX_FRAME_SIZE}
 * (above a quarter of Helidon's 1 MiB window), and a configuration that would select the deferred
 * updates is refused at start. Written up for upstream in {@code docs/upstream-helidon.md}.
 */
public final class Http2FlowControl {
    /** Largest DATA frame payload a client may send, unless configured: above a quarter of the window. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 512 * 1024;

    private Http2FlowControl() {
    }

    /** The HTTP/2 settings of {@code http2} (the {@code server.protocols.http_2} node), checked. */
    public static Http2Config settings(Config http2) {
        Http2Config.Builder builder = Http2Config.builder().config(http2);
        if (!http2.get("max-frame-size").exists()) {
            builder.maxFrameSize(DEFAULT_MAX_FRAME_SIZE);
        }
        Http2Config settings = builder.build();
        if (4L * settings.maxFrameSize() <= settings.initialWindowSize()) {
            throw new IllegalArgumentException("server.protocols.http_2: initial-window-size ("
                    + settings.initialWindowSize() + ") must be below 4 × max-frame-size (" + settings.maxFrameSize()
                    + "): with smaller frames Helidon 4.4.0 batches connection WINDOW_UPDATEs in a counter that"
                    + " concurrent streams race on, which breaks gRPC connections under load; raise max-frame-size"
                    + " above " + settings.initialWindowSize() / 4);
        }
        return settings;
    }
}
