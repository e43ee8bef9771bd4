package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailor.loadtest.report.GatlingReport;
import dev.tailor.loadtest.report.GatlingReport.RequestStats;
import dev.tailor.loadtest.report.RunCsv;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario and profile, run for a few seconds at a low rate against a real server with the
 * shipped model, through the same command {@code loadtest/run.sh} runs, so the simulations cannot
 * rot. Asserts what the runs did (requests sent, answered, reported, thresholds judged), never how
 * fast: the machine is shared.
 */
class SmokeTest {
    private static SmokeServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = SmokeServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void grpcCallsLandInGatlingsReportBesideTheHttpRequests(@TempDir Path results) throws Exception {
        LoadRun run = LoadRun.of(results, "--target", server.url(), "--scenario", "classify,json,grpc", "--profile", "open",
                "--rate", "30", "--duration", "3s", "--warmup", "0s", "--max-error-pct", "0");

        assertEquals(ExitStatus.PASSED, run.status(), run.err());
        GatlingReport report = run.report();
        long total = 0;
        for (Scenario s : List.of(Scenario.CLASSIFY, Scenario.JSON, Scenario.GRPC)) {
            RequestStats stats = report.request(s.requestName());
            assertNotNull(stats, s.requestName() + " is missing from the report: " + report.requests());
            assertTrue(stats.ok() > 0, s.requestName() + " sent nothing");
            assertEquals(0, stats.ko(), s.requestName() + " failed: " + report.errors());
            assertFalse(Double.isNaN(stats.p99()), s.requestName() + " has no percentiles");
            total += stats.total();
            String page = detailPage(report.dir(), s.requestName());
            assertTrue(page.contains("responseTimeDistributionContainerId") && page.contains("responseTimeOverTimeContainerId"),
                    s.requestName() + "'s page has no response-time charts");
        }
        assertEquals(total, report.all().total(), "the report's total counts the gRPC calls with the HTTP requests");
        assertTrue(report.passed());
        // the server's own view, snapshotted beside the report
        assertTrue(run.out().contains("server: "), run.out());
        assertTrue(Files.isRegularFile(report.dir().resolve("server-metrics-before.prom")));
        Path after = report.dir().resolve("server-metrics-after.prom");
        assertTrue(Files.readString(after).contains("tailor_requests_total{model=\"cnn4b\",protocol=\"grpc\""));
        assertTrue(run.out().contains(report.dir().toAbsolutePath().resolve("index.html").toString()), run.out());
    }

    @Test
    void aRunWithServerPidPrintsCpuPerRequestAndAppendsItsCsvLine(@TempDir Path results, @TempDir Path dir) throws Exception {
        // the smoke server runs in this JVM: its pid is the server's (and the load generator's) process
        long pid = ProcessHandle.current().pid();
        Path csv = dir.resolve("runs.csv");
        LoadRun run = LoadRun.of(results, "--target", server.url(), "--scenario", "grpc", "--profile", "closed", "--users", "2",
                "--duration", "2s", "--warmup", "0s", "--server-pid", String.valueOf(pid), "--csv", csv.toString(),
                "--label", "smoke, with pid");

        assertEquals(ExitStatus.PASSED, run.status(), run.err());
        assertTrue(run.out().matches("(?s).*\\ncpu: server \\d+\\.\\d us per request; load generator \\d+\\.\\d us per request.*"),
                run.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(String.join(",", RunCsv.COLUMNS), lines.get(0));
        assertTrue(lines.get(1).startsWith("\"smoke, with pid\",grpc,closed,2,,2,"), lines.get(1));
        String[] cells = lines.get(1).substring("\"smoke, with pid\",".length()).split(",", -1);
        assertEquals(RunCsv.COLUMNS.size() - 1, cells.length, lines.get(1));
        // users, duration, requests, ok, ko, req/s, p50, p95, p99, server and load generator CPU per request
        for (int i : new int[] {2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}) {
            double value = Double.parseDouble(cells[i]);
            assertTrue(value >= 0, RunCsv.COLUMNS.get(i + 1) + " = " + value);
        }
        RequestStats all = run.report().all();
        assertEquals(all.total(), Long.parseLong(cells[5]));
        assertEquals(all.ok(), Long.parseLong(cells[6]));
        assertEquals("", cells[3], "a closed run has no rate");
    }

    /** The report's page of one request: Gatling writes one {@code req_*.html} per request name, linked from the index. */
    private static String detailPage(Path reportDir, String requestName) throws IOException {
        String title = "<title>Gatling Stats - " + requestName + "</title>";
        String index = Files.readString(reportDir.resolve("index.html"));
        try (Stream<Path> files = Files.list(reportDir)) {
            for (Path page : files.filter(f -> f.getFileName().toString().startsWith("req_")).toList()) {
                String html = Files.readString(page);
                if (html.contains(title)) {
                    assertTrue(index.contains(page.getFileName().toString()), "the index does not link " + page.getFileName());
                    return html;
                }
            }
        }
        throw new AssertionError("no page for " + requestName + " in " + reportDir);
    }

    /**
     * Triton's binary tensor extension, sent as Triton's clients send it. Once the server supports
     * the format, every binary request must succeed (and must, whenever it advertises
     * {@code binary_tensor_data} in {@code GET /v2}); until then the scenario still runs and is
     * reported, and the test is skipped with the server's answer. Nothing here changes when the
     * server learns the format.
     */
    @Test
    void binaryTensorRequestsSucceedOnceTheServerSupportsTritonsFormat(@TempDir Path results) throws Exception {
        boolean advertised = server.extensions().contains("binary_tensor_data");
        LoadRun run = LoadRun.of(results, "--target", server.url(), "--scenario", "binary", "--profile", "closed",
                "--users", "2", "--duration", "2s", "--warmup", "0s", "--max-error-pct", "100");

        assertEquals(ExitStatus.PASSED, run.status(), run.err());
        RequestStats binary = run.report().request(Scenario.BINARY.requestName());
        assertNotNull(binary, "the binary requests are missing from the report: " + run.report().requests());
        assertTrue(binary.total() > 0, "no binary request was sent");
        List<String> errors = run.report().errors().stream().map(e -> e.count() + " x " + e.message()).toList();
        if (!advertised) {
            assertTrue(run.out().contains("does not advertise the binary_tensor_data extension"), run.out());
        }
        assumeTrue(advertised || binary.ok() > 0, () -> "the server does not support Triton's binary tensor extension "
                + "yet (GET /v2 does not advertise binary_tensor_data, and it answered " + errors + "): the binary "
                + "scenario ran and was reported; its success is checked once the server supports the format");
        assertEquals(binary.total(), binary.ok(), "binary requests failed: " + errors);
    }

    @Test
    void burstyAndPoissonArrivalsRun(@TempDir Path bursty, @TempDir Path poisson) throws Exception {
        LoadRun bursts = LoadRun.of(bursty, "--target", server.url(), "--scenario", "grpc", "--profile", "bursty",
                "--rate", "20", "--burst-period", "250ms", "--duration", "2s", "--warmup", "0s");
        LoadRun random = LoadRun.of(poisson, "--target", server.url(), "--scenario", "classify", "--profile", "poisson",
                "--rate", "20", "--duration", "2s", "--warmup", "0s");

        assertEquals(ExitStatus.PASSED, bursts.status(), bursts.err());
        // 8 bursts of 5 requests at once
        assertEquals(40, bursts.report().request(Scenario.GRPC.requestName()).ok());
        assertEquals(ExitStatus.PASSED, random.status(), random.err());
        assertTrue(random.report().request(Scenario.CLASSIFY.requestName()).ok() > 0);
    }

    @Test
    void aRampReportsWhetherTheServerSaturated(@TempDir Path results) throws Exception {
        LoadRun run = LoadRun.of(results, "--target", server.url(), "--scenario", "json", "--profile", "ramp",
                "--rate", "40", "--duration", "4s", "--warmup", "1s", "--max-error-pct", "100");

        assertEquals(ExitStatus.PASSED, run.status(), run.err());
        assertTrue(run.report().request(Scenario.JSON.requestName()).ok() > 0);
        assertTrue(run.out().contains("ramp: "), run.out());
    }

    @Test
    void aBreachedP99ThresholdFailsTheRun(@TempDir Path results) throws Exception {
        // no response takes less than 0 ms: the threshold cannot hold, whatever the machine's speed
        LoadRun run = LoadRun.of(results, "--target", server.url(), "--scenario", "classify", "--profile", "closed",
                "--users", "2", "--duration", "2s", "--warmup", "0s", "--p99-ms", "0");

        assertEquals(ExitStatus.BREACHED, run.status());
        GatlingReport report = run.report();
        assertTrue(report.assertions().stream().anyMatch(a -> !a.passed() && a.description().contains("99th percentile")),
                report.assertions().toString());
        assertTrue(run.out().contains("BREACHED  Global: 99th percentile"), run.out());
        assertTrue(run.out().contains("FAILED: a threshold was breached"), run.out());
    }

    @Test
    void anUnreachableTargetIsOneLineAndSendsNothing(@TempDir Path results) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        LoadRun run = LoadRun.of(results, "--target", "http://127.0.0.1:" + closedPort, "--duration", "2s");

        assertEquals(ExitStatus.TARGET, run.status());
        assertEquals("error: cannot reach http://127.0.0.1:" + closedPort + "/v2: connection refused (is the server running there?)",
                run.err().strip());
        try (var files = Files.list(results)) {
            assertEquals(0, files.count(), "no report for a run that never started");
        }
    }

    @Test
    void aModelTheServerDoesNotServeIsOneLine(@TempDir Path results) {
        LoadRun run = LoadRun.of(results, "--target", server.url(), "--model", "nosuchmodel", "--duration", "2s");

        assertEquals(ExitStatus.TARGET, run.status());
        assertEquals("error: model 'nosuchmodel' is not served by " + server.url() + " (GET /v2/models/nosuchmodel: 404)",
                run.err().strip());
    }
}
