package dev.tailor.server.serving;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionPolicyTest {
    private static final List<Long> ON_DISK = List.of(3L, 1L, 10L, 2L);

    @Test
    void latestAllAndSpecificSelectAsTritonsVersionPolicy() {
        assertEquals(Set.of(10L), VersionPolicy.parse("latest").select(ON_DISK));
        assertEquals(Set.of(10L, 3L), VersionPolicy.parse("latest:2").select(ON_DISK));
        assertEquals(Set.of(1L, 2L, 3L, 10L), VersionPolicy.parse("latest:9").select(ON_DISK));
        assertEquals(Set.of(1L, 2L, 3L, 10L), VersionPolicy.parse(" ALL ").select(ON_DISK));
        assertEquals(Set.of(1L, 3L), VersionPolicy.parse("specific:1,3,7").select(ON_DISK));
        assertEquals(Set.of(), VersionPolicy.parse("specific:7").select(ON_DISK));
        assertEquals(Set.of(), VersionPolicy.LATEST.select(List.of()));
    }

    @Test
    void writtenFormsRoundTripAndMistakesSayWhatIsAccepted() {
        for (String form : List.of("latest", "latest:3", "all", "specific:1,3")) {
            assertEquals(form, VersionPolicy.parse(form).toString());
        }
        for (String bad : List.of("newest", "latest:0", "latest:x", "specific:", "specific:0", "specific:1,-2")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VersionPolicy.parse(bad));
            assertTrue(e.getMessage().contains("latest, latest:N (N >= 1), all or specific:V"), e.getMessage());
        }
    }
}
