package dev.tailor.loadtest.report;

import java.util.Map;

/**
 * What a Tailor server's own meters say about one model between two scrapes: requests and
 * failures it counted, its mean end-to-end time, the mean time a request waited in the batch queue
 * against the mean ONNX Runtime time per batch, and the mean batch size. Means are the change of a
 * histogram's sum over the change of its count, so they cover exactly the run. Absent figures
 * (another server, or meters reset by a model swap) are NaN.
 */
public record ServerFigures(double requests, double failures, double requestMs, double queueMs, double computeMs,
                            double batches, double batchSize) {

    /** The figures for {@code model} from {@code before} to {@code after}. */
    public static ServerFigures between(PrometheusText before, PrometheusText after, String model) {
        Map<String, String> m = Map.of("model", model);
        double requests = delta(before, after, "tailor_requests_total", m);
        // the failure counter appears with the first failure
        double failures = after.has("tailor_request_failures_total") ? delta(before, after, "tailor_request_failures_total", m)
                : Double.isNaN(requests) ? Double.NaN : 0;
        return new ServerFigures(requests, failures,
                1000 * mean(before, after, "tailor_request_seconds", m),
                1000 * mean(before, after, "tailor_queue_seconds", m),
                1000 * mean(before, after, "tailor_compute_seconds", m),
                delta(before, after, "tailor_compute_seconds_count", m),
                mean(before, after, "tailor_batch_size", m));
    }

    /** Whether the target exposed Tailor's meters at all. */
    public boolean present() {
        return !Double.isNaN(requests);
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        if (!after.has(name)) {
            return Double.NaN;
        }
        double d = after.sum(name, labels) - before.sum(name, labels);
        return d >= 0 ? d : Double.NaN;
    }

    private static double mean(PrometheusText before, PrometheusText after, String histogram, Map<String, String> labels) {
        double count = delta(before, after, histogram + "_count", labels);
        double sum = delta(before, after, histogram + "_sum", labels);
        return count > 0 ? sum / count : Double.NaN;
    }
}
