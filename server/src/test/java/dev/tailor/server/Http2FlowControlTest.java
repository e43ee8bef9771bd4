package dev.tailor.server;

import dev.tailor.api.oip.GrpcPredictV2.ServerLiveRequest;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.http2.Http2Config;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 inbound flow control stays clear of Helidon 4.4.0's batched WINDOW_UPDATE counter, which
 * concurrent streams race on (a WINDOW_UPDATE of 0 failed gRPC calls in the swap soak, see
 * {@link Http2FlowControl}): the server credits a stream's DATA back at once, frame by frame, and a
 * configuration that would select the batching is refused.
 */
class Http2FlowControlTest {
    private static final String SERVER_LIVE = "inference.GRPCInferenceService/ServerLive";
    private static final String MODEL_INFER = "inference.GRPCInferenceService/ModelInfer";

    @Test
    void framesAreAboveAQuarterOfTheWindowByDefault() {
        Http2Config settings = Http2FlowControl.settings(Config.empty());
        assertEquals(Http2FlowControl.DEFAULT_MAX_FRAME_SIZE, settings.maxFrameSize());
        assertTrue(4L * settings.maxFrameSize() > settings.initialWindowSize(), settings.toString());
        assertEquals(300_000, Http2FlowControl.settings(http2(Map.of("max-frame-size", "300000"))).maxFrameSize());
    }

    @Test
    void settingsThatBatchWindowUpdatesFailTheStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Http2FlowControl.settings(http2(Map.of("max-frame-size", "16384"))));
        assertTrue(e.getMessage().contains("initial-window-size (1048576) must be below 4 × max-frame-size (16384)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Http2FlowControl.settings(
                http2(Map.of("max-frame-size", "65536", "initial-window-size", "262144"))));
    }

    @Test
    void theServerCreditsAStreamsDataBackAtOnce() throws Exception {
        try (TestServer server = TestServer.start(Map.of());
             RawHttp2 connection = new RawHttp2(server.server().port())) {
            // a whole call first: the server's SETTINGS and opening WINDOW_UPDATE are read by its end
            int live = connection.openGrpc(SERVER_LIVE);
            connection.data(live, RawHttp2.grpcMessage(ServerLiveRequest.getDefaultInstance().toByteArray(), false), true);
            assertEquals(0, connection.await(live, Duration.ofMinutes(1)).grpcStatus());

            // part of a message: the handler reads on, and every byte read is credited to the connection,
            // well before half the 1 MiB window (where batched updates would first come) is used
            long before = connection.connectionCredit();
            byte[] part = new byte[60_000];
            System.arraycopy(RawHttp2.grpcMessage(new byte[0], false), 0, part, 0, 5);
            part[3] = 0x03; // the prefix claims 196,608 bytes, so the message stays incomplete
            int infer = connection.openGrpc(MODEL_INFER);
            connection.data(infer, part, false);
            connection.awaitConnectionCredit(before + part.length, Duration.ofMinutes(1));
            connection.reset(infer);
            assertEquals(Http2FlowControl.DEFAULT_MAX_FRAME_SIZE, connection.serverMaxFrameSize());
            assertEquals(0, connection.zeroIncrements(), "a WINDOW_UPDATE with increment 0");

            int again = connection.openGrpc(SERVER_LIVE);
            connection.data(again, RawHttp2.grpcMessage(ServerLiveRequest.getDefaultInstance().toByteArray(), false), true);
            assertEquals(0, connection.await(again, Duration.ofMinutes(1)).grpcStatus(), "the connection serves on");
        }
    }

    private static Config http2(Map<String, String> values) {
        return Config.just(ConfigSources.create(values));
    }
}
