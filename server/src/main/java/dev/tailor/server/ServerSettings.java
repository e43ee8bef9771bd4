package dev.tailor.server;

import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.batch.DispatchPolicy;
import dev.tailor.server.infer.Ensemble;
import dev.tailor.server.model.Device;
import dev.tailor.server.model.RuntimeSettings;
import dev.tailor.server.serving.RepositorySettings;
import dev.tailor.server.serving.VersionPolicy;
import io.helidon.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code tailor} section of the configuration, read once at start. Each key can be overridden
 * from the environment (Helidon maps {@code TAILOR_MODELS_dash_DIR} to {@code tailor.models-dir})
 * or a system property. Per-model overrides (batching, version policy) live under
 * {@code tailor.models.<name>}.
 *
 * @param modelsDir        folder whose models are served
 * @param runtime          ONNX Runtime device and threads
 * @param batching         default batching settings
 * @param warmupIterations warm-up runs per model (of batch 1 and max-batch-size) before it serves
 * @param requestTimeout   how long a request may take when it does not say
 * @param limits           what a request is held to (body and message sizes, requests in flight, image pixels)
 * @param shutdownGrace    how long shutdown waits for queued work
 * @param grpcPort         an extra port serving only gRPC, or -1 for none (gRPC is always on the main port)
 * @param watch            whether to watch the models folder for changes ({@code tailor.repository.watch})
 * @param pollInterval     how often the whole folder is looked at anyway ({@code tailor.repository.poll-interval-ms})
 * @param settle           how long a file must stay unchanged before it loads ({@code tailor.repository.settle-ms})
 * @param versionPolicy    default version policy ({@code tailor.repository.version-policy})
 * @param apiToken         bearer token of the repository API ({@code tailor.repository.api-token}); empty: API off
 * @param inferenceToken   bearer token of the inference APIs ({@code tailor.inference-api-token}); empty: open
 * @param perModel         the {@code tailor.models} node
 * @param ensemble         the ensemble served ({@code tailor.ensemble.name}, {@code tailor.ensemble.members}), if any
 */
public record ServerSettings(Path modelsDir, RuntimeSettings runtime, BatchSettings batching, int warmupIterations,
                             Duration requestTimeout, Limits limits, Duration shutdownGrace, int grpcPort,
                             boolean watch, Duration pollInterval, Duration settle, VersionPolicy versionPolicy,
                             Optional<String> apiToken, Optional<String> inferenceToken, Config perModel,
                             Optional<Ensemble> ensemble) {

    /** The default of {@code server.max-payload-size} (and so of {@code tailor.grpc-max-message-size}): 16 MiB. */
    public static final long DEFAULT_MAX_PAYLOAD = 16L * 1024 * 1024;

    /**
     * The default of {@code tailor.batching.max-queue-wait-ms}: off (zero), as Triton's queue policy is,
     * because on a shared machine a 25 ms budget refused requests at 30 % load for stalls that were not
     * the queue's (see {@code docs/benchmarks.md}, Overload); replicas behind a balancer that retries
     * elsewhere should set one.
     */
    public static final Duration DEFAULT_MAX_QUEUE_WAIT = Duration.ZERO;

    /** Reads the {@code tailor} node of {@code root}. */
    public static ServerSettings from(Config root) {
        Config t = root.get("tailor");
        RuntimeSettings runtime = new RuntimeSettings(
                Device.parse(t.get("device").asString().orElse("auto")),
                t.get("gpu-id").asInt().orElse(0),
                t.get("intra-op-threads").asInt().orElse(0),
                t.get("inter-op-threads").asInt().orElse(1));
        BatchSettings batching = batchSettings(t.get("batching"), new BatchSettings(32, Duration.ofNanos(2_000_000),
                512, 1, DispatchPolicy.WHEN_IDLE, DEFAULT_MAX_QUEUE_WAIT));
        Config repository = t.get("repository");
        long maxPayload = root.get("server.max-payload-size").asLong().orElse(DEFAULT_MAX_PAYLOAD);
        Limits limits = new Limits(maxPayload,
                t.get("grpc-max-message-size").asInt().orElse((int) Math.min(Integer.MAX_VALUE - 8,
                        maxPayload < 0 ? DEFAULT_MAX_PAYLOAD : maxPayload)),
                t.get("max-concurrent-requests").asInt().orElse(256),
                t.get("max-image-pixels").asLong().orElse(16_777_216L),
                t.get("max-request-pixels").asLong().orElse(67_108_864L));
        ServerSettings settings = new ServerSettings(
                Path.of(t.get("models-dir").asString().orElse("models")),
                runtime,
                batching,
                t.get("warmup-iterations").asInt().orElse(3),
                Duration.ofMillis(t.get("request-timeout-ms").asLong().orElse(10_000L)),
                limits,
                Duration.ofMillis(t.get("shutdown-grace-ms").asLong().orElse(10_000L)),
                t.get("grpc-port").asInt().orElse(-1),
                repository.get("watch").asBoolean().orElse(true),
                Duration.ofMillis(repository.get("poll-interval-ms").asLong().orElse(5_000L)),
                Duration.ofMillis(repository.get("settle-ms").asLong().orElse(500L)),
                VersionPolicy.parse(repository.get("version-policy").asString().orElse("latest")),
                repository.get("api-token").asString().map(String::trim).filter(s -> !s.isEmpty()),
                t.get("inference-api-token").asString().map(String::trim).filter(s -> !s.isEmpty()),
                t.get("models"),
                ensemble(t.get("ensemble")));
        settings.checkPerModel();
        return settings;
    }

    /** Batching for {@code model}: its {@code tailor.models.<model>} keys over the defaults. */
    public BatchSettings batchingFor(String model) {
        return batchSettings(perModel.get(model), batching);
    }

    /** Version policy for {@code model}: {@code tailor.models.<model>.version-policy} or the default. */
    public VersionPolicy versionPolicyFor(String model) {
        return perModel.get(model).get("version-policy").asString().map(VersionPolicy::parse).orElse(versionPolicy);
    }

    /** How the models folder is followed. */
    public RepositorySettings repository() {
        return new RepositorySettings(modelsDir, watch, pollInterval, settle, warmupIterations, shutdownGrace,
                this::versionPolicyFor, this::batchingFor);
    }

    /** Reads every per-model override now, so a bad one fails the start rather than a later model load. */
    private void checkPerModel() {
        perModel.asNodeList().orElse(List.of()).forEach(node -> {
            batchingFor(node.name());
            versionPolicyFor(node.name());
        });
        repository();
    }

    /** {@code members} as a list or a comma-separated string (as an environment variable gives it); none: no ensemble. */
    private static Optional<Ensemble> ensemble(Config c) {
        Config node = c.get("members");
        List<String> members = node.isLeaf()
                ? node.asString().map(v -> List.of(v.split(","))).orElse(List.of())
                : node.asList(String.class).orElse(List.of());
        members = members.stream().map(String::trim).filter(m -> !m.isEmpty()).toList();
        if (members.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Ensemble(c.get("name").asString().orElse("ensemble"), members));
    }

    private static BatchSettings batchSettings(Config c, BatchSettings defaults) {
        return new BatchSettings(
                c.get("max-batch-size").asInt().orElse(defaults.maxBatchSize()),
                Duration.ofNanos(1000L * c.get("max-queue-delay-us").asLong()
                        .orElse(defaults.maxQueueDelay().toNanos() / 1000)),
                c.get("queue-capacity").asInt().orElse(defaults.queueCapacity()),
                c.get("max-concurrent-batches").asInt().orElse(defaults.maxConcurrentBatches()),
                c.get("dispatch").asString().map(DispatchPolicy::parse).orElse(defaults.dispatch()),
                Duration.ofMillis(c.get("max-queue-wait-ms").asLong().orElse(defaults.maxQueueWait().toMillis())));
    }
}
