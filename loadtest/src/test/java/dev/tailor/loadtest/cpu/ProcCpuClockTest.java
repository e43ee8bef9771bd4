package dev.tailor.loadtest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reading a process's CPU time from {@code /proc/PID/stat}. */
class ProcCpuClockTest {

    @Test
    void utimeAndStimeAreCountedAfterTheCommandNameWhateverItHolds() {
        // comm may hold spaces and parentheses: fields are counted after the last ')'
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 51807 0 3 0 1234 567 0 0 20 0 42 0 310 5918121984 61093 "
                + "18446744073709551615 1 1 0 0 0 0 16781312 16386 0 0 0 17 1 0 0 0 0 0\n";
        assertEquals(1234 + 567, ProcCpuClock.ticks(stat));
    }

    @Test
    void aTruncatedStatLineIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcCpuClock.ticks("12 (x) S 1 2"));
        assertTrue(e.getMessage().startsWith("unexpected /proc stat line: 12 (x) S 1 2"), e.getMessage());
    }

    @Test
    void readsThisProcessAndNeverGoesBackwards() {
        ProcCpuClock clock = ProcCpuClock.of(ProcessHandle.current().pid());
        long first = clock.nanos();
        long second = clock.nanos();
        assertTrue(first >= 0 && second >= first, first + " then " + second);
        assertTrue(ProcCpuClock.ticksPerSecond() > 0);
    }

    @Test
    void aProcessThatDoesNotExistIsOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcCpuClock.of(Long.MAX_VALUE));
        assertEquals("cannot read /proc/" + Long.MAX_VALUE + "/stat: no process " + Long.MAX_VALUE
                + " on this machine (or no Linux /proc)", e.getMessage());
    }
}
