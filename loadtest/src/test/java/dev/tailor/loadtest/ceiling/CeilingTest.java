package dev.tailor.loadtest.ceiling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.loadtest.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process ceiling ({@code loadtest/run.sh ceiling}) on the shipped model, with a tiny time
 * budget: asserts what it reports (a row per batch size, figures that are there), never how fast.
 */
class CeilingTest {
    private static final Path MODEL = Path.of(System.getProperty("tailor.models", "../models")).resolve("cnn4b.onnx");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| (\\d+) \\| (\\d+\\.\\d) \\| (\\d+\\.\\d) \\| (\\d+) \\|$");

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CeilingBench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Run run = new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.print(run.out);
        System.err.print(run.err);
        return run;
    }

    @Test
    void measuresEveryBatchSizeOnTheShippedModelAndAppendsItsLines(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("ceiling.csv");
        Run run = run("--model-file", MODEL.toString(), "--batches", "1,4", "--seconds", "0.3", "--warmup-seconds", "0.1",
                "--images", "32", "--intra-op-threads", "1", "--csv", csv.toString());

        assertEquals(ExitStatus.PASSED, run.status(), run.err());
        List<Integer> batches = new ArrayList<>();
        Matcher row = ROW.matcher(run.out());
        while (row.find()) {
            batches.add(Integer.parseInt(row.group(1)));
            assertTrue(Double.parseDouble(row.group(2)) > 0, "images/s in " + row.group());
            assertTrue(Double.parseDouble(row.group(3)) > 0, "CPU per image in " + row.group());
            assertTrue(Long.parseLong(row.group(4)) > 0, "runs in " + row.group());
        }
        assertEquals(List.of(1, 4), batches, run.out());
        assertTrue(run.out().contains("1 intra-op thread(s)"), run.out());
        assertTrue(run.out().matches("(?s).*\\nbest: batch [14], .*"), run.out());

        List<String> lines = Files.readAllLines(csv);
        assertEquals(String.join(",", CeilingBench.CSV_COLUMNS), lines.get(0));
        assertEquals(3, lines.size(), lines.toString());
        for (String line : lines.subList(1, 3)) {
            String[] cells = line.split(",");
            assertEquals(CeilingBench.CSV_COLUMNS.size(), cells.length, line);
            for (int i = 1; i < cells.length; i++) {
                assertTrue(Double.parseDouble(cells[i]) > 0, CeilingBench.CSV_COLUMNS.get(i) + " in " + line);
            }
        }
    }

    @Test
    void aMissingModelFileIsOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("nope.onnx");
        Run run = run("--model-file", missing.toString(), "--seconds", "0.1");

        assertEquals(ExitStatus.USAGE, run.status());
        assertEquals("error: no model file " + missing, run.err().strip());
        assertEquals("", run.out());
    }

    @Test
    void aFileOnnxRuntimeCannotLoadIsOneLine(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
        Run run = run("--model-file", junk.toString(), "--seconds", "0.1");

        assertEquals(ExitStatus.USAGE, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("error: ONNX Runtime cannot load " + junk + ": "), run.err());
    }

    @Test
    void wrongOptionsAreOneLine() {
        for (String[] args : new String[][] {{"--model-file", MODEL.toString(), "--batches", "0"},
                {"--model-file", MODEL.toString(), "--seconds", "0"}, {"--batches", "1"}}) {
            Run run = run(args);
            assertEquals(ExitStatus.USAGE, run.status(), String.join(" ", args));
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().startsWith("error: "), run.err());
        }
    }
}
