package dev.tailor.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.trainer.train.LearningRateSchedule.Kind;
import org.junit.jupiter.api.Test;

/** The schedules' curves: where they start, peak and end, and that they move the right way in between. */
class LearningRateScheduleTest {
    private static final long STEPS = 1000;
    private static final long PER_EPOCH = 100;

    @Test
    void plateauKeepsTheBaseRateForThePlateauSchedulerToLower() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.PLATEAU, 1e-3, 1e-5, 0);
        assertEquals(1e-3, s.rate(0, STEPS, PER_EPOCH));
        assertEquals(1e-3, s.rate(STEPS - 1, STEPS, PER_EPOCH));
        assertTrue(!s.stepwise());
    }

    @Test
    void cosineWarmsUpLinearlyThenDecaysMonotonicallyToTheFloor() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.COSINE, 1e-3, 1e-5, 2);
        assertEquals(1e-3 / LearningRateSchedule.WARMUP_DIVISOR, s.rate(0, STEPS, PER_EPOCH), 1e-12);
        assertEquals((1e-3 / 25 + 1e-3) / 2, s.rate(100, STEPS, PER_EPOCH), 1e-12, "halfway through the warm-up");
        assertEquals(1e-3, s.rate(200, STEPS, PER_EPOCH), 1e-12, "peak when the warm-up ends");
        assertEquals(1e-5, s.rate(STEPS - 1, STEPS, PER_EPOCH), 1e-12, "floor at the last step");
        assertEquals((1e-3 + 1e-5) / 2, s.rate(600, STEPS, PER_EPOCH), 2e-6,
                "half-way down the cosine is the mean of peak and floor");
        for (long t = 201; t < STEPS; t++) {
            assertTrue(s.rate(t, STEPS, PER_EPOCH) <= s.rate(t - 1, STEPS, PER_EPOCH), "decays at step " + t);
        }
        assertEquals(1e-3, new LearningRateSchedule(Kind.COSINE, 1e-3, 0, 0).rate(0, STEPS, PER_EPOCH), 1e-12,
                "no warm-up starts at the peak");
    }

    @Test
    void oneCycleRisesForThirtyPercentThenFallsFarBelowItsStart() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.ONE_CYCLE, 4e-3, 0, 0);
        double start = 4e-3 / LearningRateSchedule.ONE_CYCLE_DIVISOR;
        assertEquals(start, s.rate(0, STEPS, PER_EPOCH), 1e-12);
        assertEquals(4e-3, s.rate(300, STEPS, PER_EPOCH), 1e-12, "peak at 30 % of the steps");
        assertEquals(start / 1e4, s.rate(STEPS - 1, STEPS, PER_EPOCH), 1e-12);
        for (long t = 1; t <= 300; t++) {
            assertTrue(s.rate(t, STEPS, PER_EPOCH) >= s.rate(t - 1, STEPS, PER_EPOCH), "rises at step " + t);
        }
        for (long t = 301; t < STEPS; t++) {
            assertTrue(s.rate(t, STEPS, PER_EPOCH) <= s.rate(t - 1, STEPS, PER_EPOCH), "falls at step " + t);
        }
    }

    @Test
    void badSettingsAndNamesAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(Kind.COSINE, 1e-3, 1e-2, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(Kind.COSINE, 1e-3, 0, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kind.parse("linear"));
        assertTrue(e.getMessage().contains("plateau, cosine or onecycle"), e.getMessage());
        assertEquals(Kind.ONE_CYCLE, Kind.parse("one-cycle"));
        assertEquals("onecycle", Kind.ONE_CYCLE.cliName());
    }
}
