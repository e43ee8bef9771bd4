package dev.tailor.loadtest.report;

import static dev.tailor.loadtest.report.CsvFile.number;

import dev.tailor.loadtest.Load;
import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.Profile;
import dev.tailor.loadtest.Scenario;
import dev.tailor.loadtest.report.GatlingReport.RequestStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The load runs' CSV file ({@code --csv FILE}): one line per run, so a series of runs (the serving
 * bench's) can be tabulated afterwards. A line holds the run's label, what was sent and how much
 * (users for a closed profile, the rate otherwise), and what came of it over all requests, with
 * the server's and the load generator's CPU per request; an empty cell is not applicable or not
 * measured.
 */
public final class RunCsv {
    /** The columns, in order. */
    public static final List<String> COLUMNS = List.of("label", "scenarios", "profile", "users", "rate_per_s", "duration_s",
            "requests", "ok", "ko", "req_per_s", "p50_ms", "p95_ms", "p99_ms", "server_cpu_us_per_req",
            "load_generator_cpu_us_per_req");

    private final CsvFile csv;
    private final String label;

    /**
     * @param file  where lines go (created, with its folder and the header, by the first run)
     * @param label the first cell of the lines this writes
     */
    public RunCsv(Path file, String label) {
        this.csv = new CsvFile(file, COLUMNS);
        this.label = label;
    }

    /** The file lines are appended to. */
    public Path file() {
        return csv.file();
    }

    /** Appends one run's line: its settings, Gatling's figures over all requests, and its CPU (may be null). */
    public void append(LoadSettings settings, RequestStats all, CpuPerRequest cpu) throws IOException {
        csv.append(List.of(cells(settings, all, cpu)));
    }

    private List<String> cells(LoadSettings settings, RequestStats all, CpuPerRequest cpu) {
        Load load = settings.load();
        boolean closed = load.profile() == Profile.CLOSED;
        return List.of(label, Scenario.formatList(settings.scenarios()), load.profile().option(),
                closed ? Integer.toString(load.users()) : "", closed ? "" : number(load.rate(), 1),
                number(load.duration().toMillis() / 1000.0, 3),
                Long.toString(all.total()), Long.toString(all.ok()), Long.toString(all.ko()), number(all.perSecond(), 1),
                number(all.p50(), 1), number(all.p95(), 1), number(all.p99(), 1),
                cpu == null ? "" : number(cpu.serverMicros(), 1), cpu == null ? "" : number(cpu.loadGeneratorMicros(), 1));
    }
}
