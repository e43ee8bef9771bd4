package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tailor.loadtest.report.GatlingReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One run of the load-test command in this JVM, as {@code loadtest/run.sh} runs it: exit status, output, report. */
record LoadRun(int status, String out, String err, Path results) {

    /** Runs the command with {@code args} plus {@code --results results}. */
    static LoadRun of(Path results, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--results");
        all.add(results.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadTest.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        LoadRun run = new LoadRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), results);
        System.out.print(run.out);
        System.err.print(run.err);
        return run;
    }

    /** The report of the run: the only report folder under the results. */
    GatlingReport report() throws IOException {
        try (Stream<Path> dirs = Files.list(results)) {
            List<Path> reports = dirs.filter(d -> Files.isRegularFile(d.resolve("index.html"))).toList();
            assertEquals(1, reports.size(), "one report folder in " + results + ": " + reports);
            return GatlingReport.read(reports.get(0));
        }
    }
}
