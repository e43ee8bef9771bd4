package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The command's own surface, without a server: help, and wrong options as one line. */
class LoadTestCommandTest {
    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadTest.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryOption() {
        Result help = run("--help");
        assertEquals(0, help.status());
        for (OptionSpec option : new CommandLine(new LoadTest()).getCommandSpec().options()) {
            assertTrue(help.out().contains(option.longestName()), option.longestName() + " is missing from --help");
        }
        for (Scenario s : Scenario.values()) {
            assertTrue(help.out().contains(s.option() + "  "), s.option());
        }
        for (Profile p : Profile.values()) {
            assertTrue(help.out().contains(p.option() + "  "), p.option());
        }
    }

    @Test
    void wrongOptionsAreOneLineWithoutAStackTrace() {
        for (String[] args : new String[][] {
                {"--rate", "-5"}, {"--profile", "spiky"}, {"--scenario", "soap"}, {"--duration", "forever"},
                {"--target", "localhost:8080"}, {"--no-such-option"}, {"--users", "many"}}) {
            Result r = run(args);
            assertEquals(ExitStatus.USAGE, r.status(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: "), r.err());
        }
    }

    @Test
    void missingTestImagesAreNamed() {
        Result r = run("--data", "/nonexistent");
        assertEquals(ExitStatus.USAGE, r.status());
        assertTrue(r.err().startsWith("error: no t10k-images-idx3-ubyte(.gz) in /nonexistent"), r.err());
    }

    @Test
    void serverPidIsOnlyForALocalTargetAndALiveProcess() {
        Result remote = run("--target", "http://example.invalid:8080", "--server-pid", "1");
        assertEquals(ExitStatus.USAGE, remote.status());
        assertEquals("error: --server-pid needs a target on this machine (127.0.0.1, localhost), got http://example.invalid:8080 "
                + "(see --help)", remote.err().strip());

        Result gone = run("--target", "http://127.0.0.1:1", "--server-pid", String.valueOf(Long.MAX_VALUE));
        assertEquals(ExitStatus.USAGE, gone.status());
        assertEquals(1, gone.err().strip().lines().count(), gone.err());
        assertTrue(gone.err().startsWith("error: --server-pid " + Long.MAX_VALUE + ": cannot read /proc/" + Long.MAX_VALUE + "/stat"),
                gone.err());
    }

    @Test
    void anUnknownHostIsNamedInOneLine() {
        // .invalid never resolves (RFC 2606)
        Result r = run("--target", "http://no-such-host.invalid:8080", "--duration", "2s");
        assertEquals(ExitStatus.TARGET, r.status());
        assertEquals("error: cannot reach http://no-such-host.invalid:8080/v2: unknown host", r.err().strip());
    }
}
