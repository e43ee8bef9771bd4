package dev.tailor.loadtest;

/**
 * What a run must achieve over all its requests, checked by Gatling's assertions: the 95th and
 * 99th percentile response times strictly below their budgets in milliseconds (null: not
 * checked), and at most {@code maxErrorPct} percent of requests failed.
 */
public record Thresholds(Integer p95Ms, Integer p99Ms, double maxErrorPct) {

    public Thresholds {
        if (p95Ms != null && p95Ms < 0) {
            throw new IllegalArgumentException("--p95-ms must be >= 0, got " + p95Ms);
        }
        if (p99Ms != null && p99Ms < 0) {
            throw new IllegalArgumentException("--p99-ms must be >= 0, got " + p99Ms);
        }
        if (!(maxErrorPct >= 0) || maxErrorPct > 100) {
            throw new IllegalArgumentException("--max-error-pct must be between 0 and 100, got " + maxErrorPct);
        }
    }
}
