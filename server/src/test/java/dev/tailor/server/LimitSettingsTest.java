package dev.tailor.server;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request limits and the queue-wait budget read from configuration: the gRPC message limit follows REST's body limit
 * unless set, and every limit shipped in {@code application.yaml} is what {@code docs/api.md} states.
 */
class LimitSettingsTest {
    private static final int MIB = 1024 * 1024;

    @Test
    void grpcMessagesGetTheSameSixteenMibAsRestBodiesByDefault() {
        Limits limits = limits(Map.of());
        assertEquals(16L * MIB, limits.maxPayloadBytes());
        assertEquals(16 * MIB, limits.grpcMaxMessageBytes());
    }

    @Test
    void theGrpcMessageLimitFollowsTheBodyLimitUnlessItIsSetItself() {
        assertEquals(4 * MIB, limits(Map.of("server.max-payload-size", Integer.toString(4 * MIB))).grpcMaxMessageBytes());
        assertEquals(MIB, limits(Map.of("server.max-payload-size", Integer.toString(4 * MIB),
                "tailor.grpc-max-message-size", Integer.toString(MIB))).grpcMaxMessageBytes());
    }

    @Test
    void theShippedLimitsAreTheDocumentedOnes() {
        Limits limits = limits(Map.of());
        assertEquals(256, limits.maxConcurrentRequests());
        assertEquals(16_777_216L, limits.maxImagePixels());
        assertEquals(67_108_864L, limits.maxRequestPixels());
    }

    @Test
    void theQueueWaitBudgetIsOffByDefaultAndSetPerModelOrOff() {
        assertTrue(settings(Map.of()).batchingFor("cnn4b").maxQueueWait().isZero(), "off unless configured");
        assertEquals(ServerSettings.DEFAULT_MAX_QUEUE_WAIT, settings(Map.of()).batchingFor("cnn4b").maxQueueWait());
        ServerSettings tuned = settings(Map.of("tailor.models.cnn4b.max-queue-wait-ms", "0",
                "tailor.batching.max-queue-wait-ms", "40"));
        assertTrue(tuned.batchingFor("cnn4b").maxQueueWait().isZero());
        assertEquals(java.time.Duration.ofMillis(40), tuned.batchingFor("other").maxQueueWait());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> settings(Map.of("tailor.batching.max-queue-wait-ms", "-1")));
        assertTrue(negative.getMessage().contains("max-queue-wait"), negative.getMessage());
    }

    @Test
    void aLimitBelowOneFailsTheStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> limits(Map.of("tailor.max-concurrent-requests", "0")));
        assertTrue(e.getMessage().contains("tailor.max-concurrent-requests"), e.getMessage());
    }

    private static Limits limits(Map<String, String> values) {
        return settings(values).limits();
    }

    private static ServerSettings settings(Map<String, String> values) {
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
        return ServerSettings.from(config);
    }
}
