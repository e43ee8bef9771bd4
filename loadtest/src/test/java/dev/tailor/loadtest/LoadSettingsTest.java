package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {
    @Test
    void defaultsTargetALocalServerWithoutLatencyThresholds() {
        LoadSettings s = LoadSettings.fromProperties(new Properties());
        assertEquals("http://127.0.0.1:8080", s.target().baseUrl());
        assertEquals(8080, s.target().grpcPort());
        assertEquals("cnn4b", s.target().model());
        assertEquals(List.of(Scenario.CLASSIFY), s.scenarios());
        assertEquals(Profile.OPEN, s.load().profile());
        assertEquals(Duration.ofSeconds(30), s.load().duration());
        assertNull(s.thresholds().p99Ms());
        assertEquals(1.0, s.thresholds().maxErrorPct());
    }

    @Test
    void propertiesRoundTripEverySetting() {
        LoadSettings s = new LoadSettings(
                Target.of(URI.create("http://tailor:9000"), 9001, "shop").withTensors("pixels", "probs"),
                List.of(Scenario.GRPC, Scenario.BINARY), new Load(Profile.BURSTY, 1500, 64, Duration.ofMillis(1500),
                Duration.ofMillis(50)), new Thresholds(12, 25, 0.1), Path.of("/data"), 250);
        Properties props = new Properties();
        props.putAll(s.toProperties());
        assertEquals(s, LoadSettings.fromProperties(props));
    }

    @Test
    void scenarioListsAcceptAllAndIgnoreOrderAndDuplicates() {
        assertEquals(List.of(Scenario.values()), Scenario.parseList("all"));
        assertEquals(List.of(Scenario.JSON, Scenario.GRPC), Scenario.parseList("grpc, json,grpc"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenario.parseList("rest"));
        assertTrue(e.getMessage().contains("classify, json, binary, grpc, all"), e.getMessage());
    }

    @Test
    void durationsReadTheUsualUnits() {
        assertEquals(Duration.ofSeconds(60), Durations.parse("60s"));
        assertEquals(Duration.ofSeconds(60), Durations.parse("60"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("1.5s"));
    }

    @Test
    void theGrpcPortDefaultsToTheTargetsPort() {
        assertEquals(9000, Target.of(URI.create("http://h:9000"), null, "m").grpcPort());
        assertEquals(80, Target.of(URI.create("http://h"), null, "m").grpcPort());
        assertEquals(443, Target.of(URI.create("https://h"), null, "m").grpcPort());
        assertEquals("http://h:9000", Target.of(URI.create("http://h:9000/"), null, "m").baseUrl());
    }

    @Test
    void invalidSettingsFailNamingTheOption() {
        assertMessage("--target", () -> Target.of(URI.create("ftp://x"), null, "m"));
        assertMessage("--target", () -> Target.of(URI.create("http://x:1/v2"), null, "m"));
        assertMessage("--model", () -> Target.of(URI.create("http://x:1"), null, "../etc"));
        assertMessage("--rate", () -> new Load(Profile.OPEN, 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertMessage("--users", () -> new Load(Profile.CLOSED, 1, 0, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertMessage("--duration", () -> new Load(Profile.OPEN, 1, 1, Duration.ofHours(5), Duration.ofSeconds(1)));
        assertMessage("--burst-period", () -> new Load(Profile.OPEN, 1, 1, Duration.ofSeconds(1), Duration.ofSeconds(2)));
        assertMessage("--max-error-pct", () -> new Thresholds(null, null, 101));
        assertMessage("--p99-ms", () -> new Thresholds(null, -1, 1));
    }

    @Test
    void severalScenariosShareTheLoadEvenly() {
        Load load = new Load(Profile.OPEN, 900, 16, Duration.ofSeconds(10), Duration.ofSeconds(1));
        assertEquals(300, load.share(3).rate());
        assertEquals(5, load.share(3).users());
        assertEquals(1, load.share(32).users());
    }

    @Test
    void aRampOffersItsRateInProportionToElapsedTime() {
        Load ramp = new Load(Profile.RAMP, 1000, 1, Duration.ofSeconds(10), Duration.ofSeconds(1));
        assertEquals(250, ramp.offeredAt(Duration.ofMillis(2500)), 1e-9);
        assertEquals(1000, ramp.offeredAt(Duration.ofSeconds(20)), 1e-9);
    }

    private static void assertMessage(String option, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(option), e.getMessage());
    }
}
