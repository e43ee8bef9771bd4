package dev.tailor.loadtest.report;

import dev.tailor.loadtest.report.GatlingReport.RequestStats;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The one screen printed after a run: per request and overall counts, rate and latency
 * percentiles from Gatling's report, its errors, the server's own view (queue against compute
 * time, batch sizes), the CPU a request cost the server and the load generator, the ramp's
 * saturation estimate, each threshold with its outcome, and where the report and metric
 * snapshots are.
 */
public final class Summary {
    private Summary() {
    }

    /** Everything the summary shows; {@code server}, {@code cpu} and {@code saturation} may be null. */
    public record Content(String title, GatlingReport report, ServerFigures server, CpuPerRequest cpu, String saturation,
                          List<Path> snapshots, boolean passed) {
    }

    /** Prints {@code c} to {@code out}. */
    public static void print(Content c, PrintStream out) {
        out.println();
        out.println("== " + c.title());
        out.printf(Locale.ROOT, "%-24s %9s %9s %7s %9s %6s %6s %6s %6s %6s  (ms)%n",
                "request", "count", "ok", "ko", "req/s", "p50", "p95", "p99", "max", "mean");
        for (RequestStats r : c.report().requests()) {
            row(r, r.name(), out);
        }
        row(c.report().all(), "all requests", out);
        for (GatlingReport.ErrorCount e : c.report().errors().stream().limit(5).toList()) {
            out.printf(Locale.ROOT, "error: %,d x %s%n", e.count(), e.message());
        }
        ServerFigures s = c.server();
        if (s != null && s.present()) {
            out.printf(Locale.ROOT, "server: %,.0f requests (%,.0f failed), %s ms mean end to end", s.requests(), s.failures(),
                    ms(s.requestMs()));
            if (s.batches() > 0) {
                out.printf(Locale.ROOT, "; waited %s ms in the queue for batches of %s images that took %s ms of ONNX Runtime"
                        + " each (%,.0f batches)", ms(s.queueMs()), one(s.batchSize()), ms(s.computeMs()), s.batches());
            }
            out.println();
        }
        CpuPerRequest cpu = c.cpu();
        if (cpu != null) {
            out.printf(Locale.ROOT, "cpu: %s; load generator %.1f us per request (measured window, %,d requests)%n",
                    Double.isNaN(cpu.serverMicros()) ? "server not measured (--server-pid)"
                            : String.format(Locale.ROOT, "server %.1f us per request", cpu.serverMicros()),
                    cpu.loadGeneratorMicros(), cpu.requests());
        }
        if (c.saturation() != null) {
            out.println("ramp: " + c.saturation());
        }
        for (GatlingReport.AssertionResult a : c.report().assertions()) {
            out.println((a.passed() ? "ok      " : "BREACHED") + "  " + a.description());
        }
        out.println("report:  " + c.report().dir().toAbsolutePath().resolve("index.html"));
        if (!c.snapshots().isEmpty()) {
            out.println("metrics: " + String.join(", ", c.snapshots().stream().map(p -> p.getFileName().toString()).toList())
                    + " (the server's, beside the report)");
        }
        out.println(c.passed() ? "PASSED" : "FAILED: a threshold was breached");
    }

    private static void row(RequestStats r, String name, PrintStream out) {
        out.printf(Locale.ROOT, "%-24s %,9d %,9d %,7d %9.1f %6s %6s %6s %6s %6s%n", shorten(name), r.total(), r.ok(), r.ko(),
                r.perSecond(), whole(r.p50()), whole(r.p95()), whole(r.p99()), whole(r.max()), whole(r.mean()));
    }

    private static String shorten(String name) {
        return name.length() <= 24 ? name : name.substring(0, 23) + "~";
    }

    private static String whole(double v) {
        return Double.isNaN(v) ? "-" : String.valueOf(Math.round(v));
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String one(double v) {
        return Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%.1f", v);
    }
}
