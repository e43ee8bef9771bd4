package dev.tailor.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads the server's count of successful requests for one model once a second while a run goes on,
 * so a ramp can tell where the server stopped keeping up ({@link Saturation}). The server's own
 * count is used, not the load generator's, so the figure is what the server served, whatever the
 * client's own limits. A scrape that fails is skipped.
 */
public final class ThroughputSampler implements AutoCloseable {
    private static final long PERIOD_MS = 1000;
    private final Supplier<String> scrape;
    private final String model;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private ThroughputSampler(Supplier<String> scrape, String model) {
        this.scrape = scrape;
        this.model = model;
        this.thread = Thread.ofPlatform().daemon().name("throughput-sampler").start(this::loop);
    }

    /** Starts sampling now; {@code scrape} returns the Prometheus text. */
    public static ThroughputSampler start(Supplier<String> scrape, String model) {
        return new ThroughputSampler(scrape, model);
    }

    /** Successful requests the server had counted at a moment (millis since the epoch). */
    public record Sample(long atMillis, long served) {
    }

    /** The samples so far, oldest first. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    private void loop() {
        while (running) {
            try {
                PrometheusText text = PrometheusText.parse(scrape.get());
                Map<String, String> labels = Map.of("model", model);
                long ok = Math.round(text.sum("tailor_requests_total", labels) - text.sum("tailor_request_failures_total", labels));
                synchronized (this) {
                    samples.add(new Sample(System.currentTimeMillis(), ok));
                }
            } catch (RuntimeException e) {
                // a missed scrape leaves a gap; the windows around it are simply longer
            }
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
