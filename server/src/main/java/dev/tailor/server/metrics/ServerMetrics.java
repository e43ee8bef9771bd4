package dev.tailor.server.metrics;

import dev.tailor.server.batch.BatchListener;
import dev.tailor.server.explain.ExplanationMeter;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.serving.ModelMetrics;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The server's own meters, registered in the registry it is given (one per server, so that tests
 * starting several servers in one JVM see their own numbers). Prometheus names, as served at
 * {@code /observe/metrics}: {@code tailor_requests_total}, {@code tailor_request_failures_total}
 * (by model, protocol, status), {@code tailor_request_seconds} (end to end),
 * {@code tailor_queue_seconds} and {@code tailor_compute_seconds} (apart), {@code tailor_batch_size},
 * {@code tailor_queue_depth}, {@code tailor_inferences_total} (images) and {@code tailor_model_info}
 * (which carries the execution provider and the file's SHA-256); {@code tailor_explanations_total} and
 * {@code tailor_explanation_variants_total} (by model) count explanations apart. The per-model meters carry the
 * model's version and are removed when that version is replaced or removed; a model gone from the
 * repository loses its request counts too.
 */
public final class ServerMetrics implements ModelMetrics, ExplanationMeter {
    private static final String SCOPE = "vendor";
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5)};
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final MeterRegistry registry;
    // a request's label check and its count (read side) against a model's meters being forgotten (write
    // side): otherwise a request that checked just before the model left would bring its meters back
    private final ReadWriteLock forgetting = new ReentrantReadWriteLock();

    /** Meters go into {@code registry}. */
    public ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Counts one finished request to {@code model} and records its latency, labelled with the model's
     * name while {@code known} says the server has it, else {@code _unknown} (so that clients probing
     * random names cannot grow the label set). A model leaves the repository before its meters are
     * {@linkplain #forget forgotten}, and the check and the count here cannot straddle that.
     */
    public void request(String model, Predicate<String> known, String protocol, String status, boolean ok, long nanos) {
        forgetting.readLock().lock();
        try {
            request(known.test(model) ? model : "_unknown", protocol, status, ok, nanos);
        } finally {
            forgetting.readLock().unlock();
        }
    }

    /** Counts one finished request and records its end-to-end latency, labelled {@code model} as given. */
    public void request(String model, String protocol, String status, boolean ok, long nanos) {
        List<Tag> tags = List.of(Tag.create("model", model), Tag.create("protocol", protocol), Tag.create("status", status));
        registry.getOrCreate(Counter.builder("tailor.requests").scope(SCOPE).tags(tags)
                .description("Requests by model, protocol and status")).increment();
        if (!ok) {
            registry.getOrCreate(Counter.builder("tailor.request.failures").scope(SCOPE).tags(tags)
                    .description("Failed requests by model, protocol and status")).increment();
        }
        timer("tailor.request", "End-to-end request latency", List.of(Tag.create("model", model),
                Tag.create("protocol", protocol))).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public BatchListener attach(ModelInfo info, String sha256, IntSupplier queueDepth) {
        List<Tag> model = List.of(Tag.create("model", info.name()), Tag.create("version", info.version()));
        registry.getOrCreate(Gauge.builder("tailor.queue.depth", queueDepth::getAsInt)
                .scope(SCOPE).tags(model).description("Images waiting in the model's batch queue"));
        registry.getOrCreate(Gauge.builder("tailor.model.info", () -> 1)
                .scope(SCOPE).description("Served models with their version, file hash and execution provider")
                .tags(List.of(Tag.create("model", info.name()), Tag.create("version", info.version()),
                        Tag.create("provider", info.provider()), Tag.create("sha256", sha256))));
        DistributionSummary batchSize = registry.getOrCreate(DistributionSummary.builder("tailor.batch.size",
                        DistributionStatisticsConfig.builder().buckets(BATCH_BUCKETS))
                .scope(SCOPE).tags(model).description("Images per ONNX Runtime call"));
        Counter inferences = registry.getOrCreate(Counter.builder("tailor.inferences").scope(SCOPE).tags(model)
                .description("Images inferred"));
        Timer compute = timer("tailor.compute", "ONNX Runtime time per batch", model);
        Timer queue = timer("tailor.queue", "Time a request waits before its batch runs", model);
        return new BatchListener() {
            @Override
            public void batchRan(int images, long computeNanos) {
                batchSize.record(images);
                inferences.increment(images);
                compute.record(computeNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void requestDequeued(long queueNanos) {
                queue.record(queueNanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    @Override
    public void detach(ModelInfo info) {
        remove(tags -> info.name().equals(tags.get("model")) && info.version().equals(tags.get("version")));
    }

    @Override
    public void forget(String model) {
        forgetting.writeLock().lock();
        try {
            remove(tags -> model.equals(tags.get("model")));
        } finally {
            forgetting.writeLock().unlock();
        }
    }

    @Override
    public void explanationStarted(String model) {
        registry.getOrCreate(Counter.builder("tailor.explanations").scope(SCOPE).tags(List.of(Tag.create("model", model)))
                .description("Explanation requests that ran, by model")).increment();
    }

    @Override
    public void variantsSubmitted(String model, int variants) {
        registry.getOrCreate(Counter.builder("tailor.explanation.variants").scope(SCOPE)
                .tags(List.of(Tag.create("model", model)))
                .description("Occluded variants explanations sent through the model's batcher")).increment(variants);
    }

    private void remove(Predicate<Map<String, String>> tags) {
        registry.meters(m -> m.id().name().startsWith("tailor.") && tags.test(m.id().tagsMap()))
                .forEach(registry::remove);
    }

    private Timer timer(String name, String description, List<Tag> tags) {
        return registry.getOrCreate(Timer.builder(name).scope(SCOPE).tags(tags).description(description)
                .baseUnit(TimeUnit.SECONDS).buckets(LATENCY_BUCKETS));
    }
}
