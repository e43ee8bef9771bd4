package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {
    @Test
    void defaultsTargetALocalServer() {
        LoadSettings s = LoadSettings.from(Map.of());
        assertEquals("http://localhost:8080", s.baseUrl().toString());
        assertEquals("cnn4b", s.model());
        assertEquals(16, s.users());
        assertEquals(Duration.ofMillis(50), s.p99Budget());
    }

    @Test
    void propertiesOverrideDefaults() {
        LoadSettings s = LoadSettings.from(Map.of("tailor.url", "http://tailor:9000", "tailor.users", "64", "tailor.seconds", "5"));
        assertEquals(64, s.users());
        assertEquals(Duration.ofSeconds(5), s.duration());
        assertEquals(9000, s.baseUrl().getPort());
    }

    @Test
    void invalidSettingsFailEarly() {
        assertThrows(IllegalArgumentException.class, () -> LoadSettings.from(Map.of("tailor.users", "0")));
        assertThrows(IllegalArgumentException.class, () -> LoadSettings.from(Map.of("tailor.url", "ftp://x")));
    }
}
