package dev.tailor.loadtest.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    /** As Helidon writes it: trailing commas in label sets, quantile lines, comments. */
    private static String scrape(double requests, double failures, double queueSum, double queueCount, double computeSum,
                                 double batches, double images) {
        return """
                # TYPE tailor_requests_total counter
                tailor_requests_total{model="cnn4b",protocol="rest",scope="vendor",status="200",} %s
                tailor_requests_total{model="cnn4b",protocol="grpc",scope="vendor",status="OK",} 0.0
                tailor_requests_total{model="other",protocol="rest",scope="vendor",status="200",} 99.0
                tailor_request_failures_total{model="cnn4b",protocol="rest",scope="vendor",status="503",} %s
                tailor_request_seconds_count{model="cnn4b",protocol="rest",scope="vendor",} %s
                tailor_request_seconds_sum{model="cnn4b",protocol="rest",scope="vendor",} %s
                tailor_queue_seconds{model="cnn4b",scope="vendor",version="1",quantile="0.5",} 0.002
                tailor_queue_seconds_count{model="cnn4b",scope="vendor",version="1",} %s
                tailor_queue_seconds_sum{model="cnn4b",scope="vendor",version="1",} %s
                tailor_compute_seconds_count{model="cnn4b",scope="vendor",version="1",} %s
                tailor_compute_seconds_sum{model="cnn4b",scope="vendor",version="1",} %s
                tailor_batch_size_count{model="cnn4b",scope="vendor",version="1",} %s
                tailor_batch_size_sum{model="cnn4b",scope="vendor",version="1",} %s
                tailor_batch_size_bucket{model="cnn4b",scope="vendor",version="1",le="+Inf",} %s
                jvm_uptime_seconds 12.5
                """.formatted(requests, failures, requests, requests * 0.004, queueCount, queueSum, batches, computeSum,
                batches, images, batches);
    }

    @Test
    void readsSamplesWithHelidonsTrailingCommasAndUnlabelledOnes() {
        PrometheusText text = PrometheusText.parse(scrape(10, 1, 0.02, 10, 0.005, 5, 10));
        assertEquals(10, text.sum("tailor_requests_total", Map.of("model", "cnn4b")));
        assertEquals(109, text.sum("tailor_requests_total", Map.of()));
        assertEquals(12.5, text.sum("jvm_uptime_seconds", Map.of()));
        assertEquals(Double.POSITIVE_INFINITY, Double.parseDouble("+Infinity"));
        assertTrue(text.has("tailor_batch_size_bucket"));
        assertFalse(text.has("tailor_nothing"));
    }

    @Test
    void serverFiguresAreMeansOverTheRunOnly() {
        PrometheusText before = PrometheusText.parse(scrape(100, 0, 0.2, 100, 0.05, 50, 100));
        PrometheusText after = PrometheusText.parse(scrape(1100, 10, 2.2, 1100, 0.55, 300, 1100));
        ServerFigures f = ServerFigures.between(before, after, "cnn4b");
        assertEquals(1000, f.requests());
        assertEquals(10, f.failures());
        assertEquals(2.0, f.queueMs(), 1e-9);       // 2.0 s over 1000 requests
        assertEquals(2.0, f.computeMs(), 1e-9);     // 0.5 s over 250 batches
        assertEquals(250, f.batches());
        assertEquals(4.0, f.batchSize(), 1e-9);     // 1000 images in 250 batches
        assertEquals(4.0, f.requestMs(), 1e-9);
    }

    @Test
    void anotherServersMetricsGiveNoFigures() {
        PrometheusText none = PrometheusText.parse("# nothing of ours\nup 1\n");
        assertFalse(ServerFigures.between(none, none, "cnn4b").present());
    }
}
