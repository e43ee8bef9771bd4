package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.loadtest.accuracy.AccuracyBench;
import dev.tailor.loadtest.accuracy.McNemar;
import dev.tailor.loadtest.accuracy.Predictions;
import java.io.IOException;
import java.nio.file.Path;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void aRunComparesImageByImageWithAnEarlierRunsPredictions(@TempDir Path dir) throws IOException {
        Path shipped = dir.resolve("shipped.csv");
        Run first = run("--target", server.url(), "--model", "cnn4b", "--images", "200", "--predictions", shipped.toString());
        assertEquals(ExitStatus.PASSED, first.status(), first.err());
        Predictions earlier = Predictions.read(shipped, 10);
        assertEquals(200, earlier.count());
        int right = (int) java.util.stream.IntStream.range(0, 200).filter(earlier::right).count();
        assertTrue(first.out().contains(right + " of 200 right"), "the file holds the run's answers: " + first.out());

        // an "earlier model" that missed the first 5 images this one got right, and got every miss right
        int[] predicted = earlier.predicted().clone();
        int spoiled = 0;
        for (int i = 0; i < 200; i++) {
            if (earlier.right(i) && spoiled < 5) {
                predicted[i] = (earlier.labels()[i] + 1) % 10;
                spoiled++;
            } else if (!earlier.right(i)) {
                predicted[i] = earlier.labels()[i];
            }
        }
        Path other = dir.resolve("other.csv");
        new Predictions(earlier.labels(), predicted).write(other);
        Path again = dir.resolve("again.csv");
        Run second = run("--target", server.url(), "--model", "cnn4b", "--images", "200", "--compare", other.toString(),
                "--predictions", again.toString());

        assertEquals(ExitStatus.PASSED, second.status(), second.err());
        McNemar expected = McNemar.of(Predictions.read(again, 10), Predictions.read(other, 10));
        assertTrue(second.out().contains("only this run right on " + expected.onlyFirst() + " images, only the earlier run on "
                + expected.onlySecond()), second.out());
        assertTrue(expected.onlyFirst() >= 4 && expected.onlySecond() >= 200 - right - 1, "the spoiled images count: " + expected);
        assertTrue(second.out().contains("McNemar's exact p = "), second.out());
    }

    @Test
    void aCompareFileForOtherImagesIsRefusedBeforeAnythingIsSent(@TempDir Path dir) throws IOException {
        Path short10 = dir.resolve("ten.csv");
        new Predictions(new int[10], new int[10]).write(short10);

        Run fewer = run("--target", server.url(), "--images", "20", "--compare", short10.toString());
        Run relabelled = run("--target", server.url(), "--images", "10", "--compare", short10.toString());
        Run missing = run("--target", server.url(), "--images", "10", "--compare", dir.resolve("none.csv").toString());

        assertEquals(ExitStatus.USAGE, fewer.status());
        assertTrue(fewer.err().contains("holds 10 images, this run sends 20"), fewer.err());
        // the test set's first ten labels are not all T-shirt/top
        assertEquals(ExitStatus.USAGE, relabelled.status());
        assertTrue(relabelled.err().contains("not a run on these test images"), relabelled.err());
        assertEquals(ExitStatus.USAGE, missing.status());
        assertTrue(missing.err().startsWith("error: cannot read --compare"), missing.err());
        assertFalse(fewer.out().contains("accuracy") || relabelled.out().contains("accuracy"), "nothing was sent");
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
