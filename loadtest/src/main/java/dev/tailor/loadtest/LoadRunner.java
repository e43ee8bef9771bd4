package dev.tailor.loadtest;

import dev.tailor.loadtest.gatling.GatlingRunner;
import dev.tailor.loadtest.report.CpuPerRequest;
import dev.tailor.loadtest.report.GatlingReport;
import dev.tailor.loadtest.report.PrometheusText;
import dev.tailor.loadtest.report.RunCsv;
import dev.tailor.loadtest.report.Saturation;
import dev.tailor.loadtest.report.ServerFigures;
import dev.tailor.loadtest.report.Summary;
import dev.tailor.loadtest.report.ThroughputSampler;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One load run against a target that passed its {@link Preflight}: an unmeasured warm-up, the
 * server's metrics before, the measured Gatling run (sampling the server's throughput during a
 * ramp), its metrics after, both written beside the report, the CPU the measured window cost the
 * load generator and (given its pid) the server, the summary, and its line in a CSV file when one is
 * given. Options and their errors are {@link LoadTest}'s business.
 */
final class LoadRunner {
    private static final String METRICS = "/observe/metrics";
    private final LoadSettings settings;
    private final TargetClient client;
    private final PrintStream out;
    private final long serverPid;
    private final RunCsv csv;

    /**
     * @param serverPid the local server process whose CPU to count, or 0
     * @param csv       where to append the run's line, or null
     */
    LoadRunner(LoadSettings settings, TargetClient client, PrintStream out, long serverPid, RunCsv csv) {
        this.settings = settings;
        this.client = client;
        this.out = out;
        this.serverPid = serverPid;
        this.csv = csv;
    }

    /** Runs it, the report going under {@code resultsDir}; returns the command's exit status. */
    int run(String title, Duration warmup, Path resultsDir) {
        if (!warmup.isZero()) {
            warmUp(warmup);
        }
        String before = metrics();
        ThroughputSampler sampler = settings.load().profile() == Profile.RAMP && before != null
                ? ThroughputSampler.start(() -> client.get(METRICS, "text/plain").body(), settings.target().model())
                : null;
        GatlingRunner.Outcome outcome;
        try {
            outcome = GatlingRunner.run(settings, resultsDir, title, true, serverPid);
        } finally {
            if (sampler != null) {
                sampler.close();
            }
        }
        String after = before == null ? null : metrics();
        if (outcome.reportDir() == null) {
            throw new LoadTestException(ExitStatus.FAILED, "the Gatling run failed (status " + outcome.status()
                    + ") and wrote no report; see the messages above");
        }
        List<Path> snapshots = new ArrayList<>();
        ServerFigures figures = null;
        if (before != null && after != null) {
            snapshots.add(write(outcome.reportDir().resolve("server-metrics-before.prom"), before));
            snapshots.add(write(outcome.reportDir().resolve("server-metrics-after.prom"), after));
            figures = ServerFigures.between(PrometheusText.parse(before), PrometheusText.parse(after), settings.target().model());
        }
        boolean passed = outcome.status() == GatlingRunner.SUCCESS;
        GatlingReport report = GatlingReport.read(outcome.reportDir());
        CpuPerRequest cpu = CpuPerRequest.of(outcome.cpu(), report.all().total());
        Summary.print(new Summary.Content(title, report, figures, cpu, saturation(sampler, outcome.injectionStarted()),
                snapshots, passed), out);
        if (csv != null) {
            try {
                csv.append(settings, report.all(), cpu);
            } catch (IOException e) {
                throw new LoadTestException(ExitStatus.FAILED, "cannot append to --csv " + csv.file() + ": " + e.getMessage());
            }
            out.println("csv:     a line appended to " + csv.file());
        }
        return switch (outcome.status()) {
            case GatlingRunner.SUCCESS -> ExitStatus.PASSED;
            case GatlingRunner.ASSERTIONS_FAILED -> ExitStatus.BREACHED;
            default -> ExitStatus.FAILED;
        };
    }

    /** The same requests for {@code warmup}, without thresholds or report (a ramp warms up at a tenth of its rate). */
    private void warmUp(Duration warmup) {
        Load load = settings.load();
        Load warmLoad = load.profile() == Profile.RAMP
                ? new Load(Profile.OPEN, Math.max(1, load.rate() / 10), load.users(), warmup, warmup)
                : load.lasting(warmup);
        LoadSettings warm = new LoadSettings(settings.target(), settings.scenarios(), warmLoad,
                new Thresholds(null, null, 100), settings.data(), settings.images());
        out.println("Warming up for " + Durations.format(warmup) + " (not measured)...");
        Path dir;
        try {
            dir = Files.createTempDirectory("tailor-warmup");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            GatlingRunner.Outcome outcome = GatlingRunner.run(warm, dir, "warm-up", false);
            if (outcome.status() != GatlingRunner.SUCCESS) {
                throw new LoadTestException(ExitStatus.FAILED, "the warm-up run failed (status " + outcome.status()
                        + "); see the messages above");
            }
        } finally {
            delete(dir);
        }
    }

    /** The target's Prometheus text, or null (with a note) when it has none. */
    private String metrics() {
        TargetClient.Answer answer = client.get(METRICS, "text/plain");
        if (answer.status() != 200) {
            out.println("note: GET " + METRICS + " answered " + answer.status() + "; no server-side figures");
            return null;
        }
        return answer.body();
    }

    private String saturation(ThroughputSampler sampler, long injectionStarted) {
        if (sampler == null) {
            return null;
        }
        Saturation verdict = Saturation.of(sampler.samples(), injectionStarted, settings.load());
        return verdict == null ? "too short to tell where the server saturates" : verdict.describe();
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temporary folder is harmless
        }
    }
}
