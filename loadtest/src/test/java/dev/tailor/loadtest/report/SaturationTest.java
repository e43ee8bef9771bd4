package dev.tailor.loadtest.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.loadtest.Load;
import dev.tailor.loadtest.Profile;
import dev.tailor.loadtest.report.ThroughputSampler.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class SaturationTest {
    private static final long START = 1_000_000;
    private static final Load RAMP = new Load(Profile.RAMP, 1000, 1, Duration.ofSeconds(20), Duration.ofSeconds(1));

    /** One sample a second over the 20 s ramp, the server serving {@code served(offered)} requests/s. */
    private static List<Sample> samples(DoubleUnaryOperator served) {
        List<Sample> samples = new ArrayList<>();
        double total = 0;
        for (int s = 0; s <= 20; s++) {
            samples.add(new Sample(START + s * 1000L, Math.round(total)));
            total += served.applyAsDouble(RAMP.offeredAt(Duration.ofMillis(s * 1000L + 500)));
        }
        return samples;
    }

    @Test
    void aServerThatKeepsUpIsNotSaturated() {
        Saturation s = Saturation.of(samples(offered -> offered), START, RAMP);
        assertFalse(s.saturated());
        assertTrue(s.describe().contains("not saturated"), s.describe());
    }

    @Test
    void aServerCappedAtSixHundredSaturatesThere() {
        Saturation s = Saturation.of(samples(offered -> Math.min(offered, 600)), START, RAMP);
        assertTrue(s.saturated());
        assertEquals(600, s.peak(), 1);
        assertTrue(s.fellBehindAt() > 600 && s.fellBehindAt() < 750, "fell behind at " + s.fellBehindAt());
    }

    @Test
    void aLonePauseIsNotSaturation() {
        Saturation s = Saturation.of(samples(offered -> offered > 300 && offered < 360 ? 0 : offered), START, RAMP);
        assertFalse(s.saturated(), s.describe());
    }

    @Test
    void samplesOutsideTheInjectionDoNotCount() {
        assertEquals(null, Saturation.of(samples(offered -> offered), START + 60_000, RAMP));
    }
}
