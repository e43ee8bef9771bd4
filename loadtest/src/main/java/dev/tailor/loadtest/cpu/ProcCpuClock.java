package dev.tailor.loadtest.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Another local process's CPU time on Linux, from {@code /proc/PID/stat}: its {@code utime} plus
 * {@code stime}, every thread counted, in clock ticks of {@code getconf CLK_TCK} (USER_HZ) each.
 * The resolution is one tick (10 ms at the usual 100 Hz), so it suits windows of seconds. Only
 * reads the file: the process is none of its business.
 */
public final class ProcCpuClock implements CpuClock {
    /** USER_HZ when {@code getconf} cannot say: the kernel reports 100 on every common Linux architecture. */
    static final long USUAL_TICKS_PER_SECOND = 100;

    private final long pid;
    private final Path stat;
    private final long ticksPerSecond;

    ProcCpuClock(long pid, Path stat, long ticksPerSecond) {
        this.pid = pid;
        this.stat = stat;
        this.ticksPerSecond = ticksPerSecond;
    }

    /**
     * The clock of process {@code pid}.
     *
     * @throws IllegalArgumentException when there is no such process to read (or no {@code /proc})
     */
    public static ProcCpuClock of(long pid) {
        if (pid < 1) {
            throw new IllegalArgumentException("a process id is a positive number, got " + pid);
        }
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.isReadable(stat)) {
            throw new IllegalArgumentException("cannot read " + stat + ": no process " + pid
                    + " on this machine (or no Linux /proc)");
        }
        ProcCpuClock clock = new ProcCpuClock(pid, stat, ticksPerSecond());
        clock.nanos(); // fails now, not after the run, if the file cannot be understood
        return clock;
    }

    /** The process this clock reads. */
    public long pid() {
        return pid;
    }

    @Override
    public long nanos() {
        String text;
        try {
            text = Files.readString(stat, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("process " + pid + " is gone (cannot read " + stat + ")");
        }
        return ticks(text) * 1_000_000_000L / ticksPerSecond;
    }

    /**
     * {@code utime + stime} from the text of a {@code stat} file. The command name (field 2) is in
     * parentheses and may hold spaces and parentheses itself, so fields are counted after the last
     * {@code ')'}: field 3 (state) first, then utime and stime as fields 14 and 15.
     */
    static long ticks(String stat) {
        int end = stat.lastIndexOf(')');
        String[] fields = end < 0 ? new String[0] : stat.substring(end + 1).trim().split("\\s+");
        if (fields.length < 13) {
            throw new IllegalStateException("unexpected /proc stat line: " + stat.strip());
        }
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** {@code getconf CLK_TCK}, or {@link #USUAL_TICKS_PER_SECOND} when it cannot be asked. */
    static long ticksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String answer;
            try (InputStream in = getconf.getInputStream()) {
                answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
            if (getconf.waitFor(10, TimeUnit.SECONDS) && getconf.exitValue() == 0 && answer.matches("\\d+")
                    && Long.parseLong(answer) > 0) {
                return Long.parseLong(answer);
            }
        } catch (IOException e) {
            // no getconf: fall through to the usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return USUAL_TICKS_PER_SECOND;
    }
}
