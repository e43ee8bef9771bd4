package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.loadtest.accuracy.AccuracyBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The accuracy bench ({@code loadtest/run.sh accuracy}) against a real server with the shipped model. */
class AccuracyBenchTest {
    private static SmokeServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = SmokeServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = AccuracyBench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Run run = new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.print(run.out);
        System.err.print(run.err);
        return run;
    }

    @Test
    void classifiesEveryImageThroughTheServerAndPrintsTheModelCardsFigures() {
        Run run = run("--target", server.url(), "--model", "cnn4b", "--images", "400", "--concurrency", "4");

        assertEquals(ExitStatus.PASSED, run.status(), run.err());
        Matcher right = Pattern.compile("(\\d+) of (\\d+) right").matcher(run.out());
        assertTrue(right.find(), run.out());
        assertEquals(400, Integer.parseInt(right.group(2)), "every image is counted");
        Matcher accuracy = Pattern.compile("accuracy (0\\.\\d{4})\\s+macro F1 (0\\.\\d{4})").matcher(run.out());
        assertTrue(accuracy.find(), run.out());
        double measured = Double.parseDouble(accuracy.group(1));
        assertEquals(Integer.parseInt(right.group(1)) / 400.0, measured, 1e-4);
        // the shipped cnn4b scores 91.9 % on the whole test set; a broken preprocessing path scores far lower
        assertTrue(measured > 0.85, "accuracy " + measured);
        for (String name : java.util.List.of("T-shirt/top", "Trouser", "Sandal", "Bag", "Ankle boot")) {
            assertTrue(run.out().contains("| " + name + " | "), "per-class line for " + name);
        }
    }

    @Test
    void anAccuracyBelowTheThresholdExitsOne() {
        Run run = run("--target", server.url(), "--images", "50", "--min-accuracy", "1.0");

        // 50 images all right is possible in principle; the first 50 test images include cnn4b's misses
        assertEquals(ExitStatus.BREACHED, run.status(), run.out());
        assertTrue(run.out().contains("BELOW THRESHOLD"), run.out());
    }

    @Test
    void aModelTheServerDoesNotServeIsOneLine() {
        Run run = run("--target", server.url(), "--model", "nope", "--images", "10");

        assertEquals(ExitStatus.TARGET, run.status());
        assertTrue(run.err().startsWith("error: model 'nope' is not ready"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(run.out().contains("accuracy"));
    }
}
