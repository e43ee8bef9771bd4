package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loadtest/run.sh} itself, as a user runs it, on the packaged jar: its exit status is the
 * thresholds' verdict, and a wrong target costs one line. (Runs after {@code package}, as a
 * failsafe integration test; the script finds the jar up to date and builds nothing.)
 */
class RunScriptIT {
    private static final Path SCRIPT = Path.of(System.getProperty("tailor.root", "..")).resolve("loadtest/run.sh");

    private record Result(int status, String output) {
    }

    private static Result runScript(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "run.sh did not end");
        String text = new String(output, StandardCharsets.UTF_8);
        System.out.print(text);
        return new Result(process.exitValue(), text);
    }

    @Test
    void aBreachedP99ExitsNonZeroAndPointsAtTheReport(@TempDir Path results) throws Exception {
        try (SmokeServer server = SmokeServer.start()) {
            Result run = runScript("--target", server.url(), "--scenario", "grpc", "--profile", "closed", "--users", "2",
                    "--duration", "2s", "--warmup", "0s", "--p99-ms", "0", "--results", results.toString());

            assertEquals(ExitStatus.BREACHED, run.status(), run.output());
            assertTrue(run.output().contains("BREACHED  Global: 99th percentile"), run.output());
            Matcher report = Pattern.compile("(?m)^report:  (.*index\\.html)$").matcher(run.output());
            assertTrue(report.find(), "no report path printed");
            assertTrue(Files.isRegularFile(Path.of(report.group(1))), report.group(1));
        }
    }

    @Test
    void anUnreachableTargetIsOneLine() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Result run = runScript("--target", "http://127.0.0.1:" + closedPort);

        assertEquals(ExitStatus.TARGET, run.status());
        // (a line saying the jar is being built may come first, when the sources are newer than it)
        List<String> lines = run.output().strip().lines().toList();
        assertEquals("error: cannot reach http://127.0.0.1:" + closedPort + "/v2: connection refused (is the server running there?)",
                lines.get(lines.size() - 1));
        assertTrue(lines.stream().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), run.output());
    }
}
