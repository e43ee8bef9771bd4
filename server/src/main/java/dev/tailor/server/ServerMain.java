package dev.tailor.server;

import dev.tailor.server.explain.ExplainSettings;
import dev.tailor.server.explain.Explainer;
import dev.tailor.server.grpc.AuthorizationHeader;
import dev.tailor.server.grpc.ClassificationGrpcService;
import dev.tailor.server.grpc.Deadlines;
import dev.tailor.server.grpc.GrpcCalls;
import dev.tailor.server.grpc.InferenceAuthorization;
import dev.tailor.server.grpc.OipGrpcService;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.server.grpc.transport.GrpcTransport;
import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.server.http.ClassifyHttpService;
import dev.tailor.server.http.Console;
import dev.tailor.server.http.ExplainHttpService;
import dev.tailor.server.http.Exchanges;
import dev.tailor.server.http.InferenceAuth;
import dev.tailor.server.http.OipHttpService;
import dev.tailor.server.http.RepositoryHttpService;
import dev.tailor.server.image.ImageClassifier;
import dev.tailor.server.image.ImageDecoder;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.metrics.ServerMetrics;
import dev.tailor.server.model.OrtRuntime;
import dev.tailor.server.model.SessionFactory;
import dev.tailor.server.serving.ModelRepository;
import dev.tailor.server.serving.RepositoryApi;
import dev.tailor.server.serving.RepositoryManager;
import dev.tailor.server.serving.ServingObserver;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.helidon.common.socket.SocketOptions;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.common.mapper.MapperManager;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http2.Http2ConnectionSelector;
import io.helidon.webserver.spi.ServerConnectionSelector;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Entry point and wiring: configuration → ONNX Runtime session factory → model repository and
 * the manager that keeps it in line with the models folder → HTTP routing and gRPC services on
 * one port (gRPC through {@link GrpcTransport} on Helidon's HTTP/2). Nothing is global but ONNX
 * Runtime's own environment ({@link OrtRuntime}): {@link #start(Config)} builds every part and
 * passes it on, so tests start real servers with their own settings, and {@link #routing} /
 * {@link #grpcServices} are the same wiring main uses.
 */
public final class ServerMain {
    static {
        // before the first logger exists (the field below): keep logging through the shutdown hook
        if (System.getProperty(ShutdownSafeLogManager.PROPERTY) == null) {
            System.setProperty(ShutdownSafeLogManager.PROPERTY, ShutdownSafeLogManager.class.getName());
        }
    }

    private static final System.Logger LOG = System.getLogger(ServerMain.class.getName());

    /** The gRPC methods that count against {@code tailor.max-concurrent-requests}: those that run models. */
    private static final Set<String> LIMITED_GRPC_METHODS = Set.of(
            GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName(),
            ClassificationServiceGrpc.getClassifyMethod().getFullMethodName(),
            ClassificationServiceGrpc.getExplainMethod().getFullMethodName());
    /** The gRPC methods behind {@code tailor.inference-api-token}: all but health, server metadata and the repository's. */
    private static final Set<String> PROTECTED_GRPC_METHODS = Set.of(
            GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getModelMetadataMethod().getFullMethodName(),
            ClassificationServiceGrpc.getClassifyMethod().getFullMethodName(),
            ClassificationServiceGrpc.getExplainMethod().getFullMethodName(),
            ClassificationServiceGrpc.getListModelsMethod().getFullMethodName());

    private ServerMain() {
    }

    /**
     * Starts the server. Options (each overrides {@code application.yaml}, the environment and
     * system properties): {@code --models DIR}, {@code --port N}, {@code --device auto|cpu|cuda},
     * {@code --config FILE}.
     */
    public static void main(String[] args) throws InterruptedException {
        LogConfig.configureRuntime();
        // Helidon 4.4.0 reads every HTTP/1.1 request's Content-Length through MapperManager.global(), which,
        // unless an instance was set, asks the service registry and gets a new MappersImpl each time: 45 % of
        // the JSON path's allocation in the profile (docs/benchmarks.md). Setting the process's one instance
        // here, before anything maps a value, makes that lookup a field read.
        MapperManager.global(MapperManager.create());
        Config config;
        try {
            config = config(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        TailorServer server;
        try {
            server = start(config);
        } catch (IllegalStateException | IllegalArgumentException e) {
            LOG.log(Level.ERROR, "Cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        server.awaitLoaded(Duration.ofDays(365));
    }

    /** Configuration from command-line options over system properties, environment and application.yaml. */
    public static Config config(String... args) {
        Map<String, String> overrides = new HashMap<>();
        String file = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + option + "\n" + usage());
            }
            String value = args[++i];
            switch (option) {
                case "--models" -> overrides.put("tailor.models-dir", value);
                case "--port" -> overrides.put("server.port", value);
                case "--device" -> overrides.put("tailor.device", value);
                case "--config" -> file = value;
                default -> throw new IllegalArgumentException("unknown option " + option + "\n" + usage());
            }
        }
        Config.Builder builder = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.systemProperties())
                .addSource(ConfigSources.environmentVariables());
        if (file != null) {
            builder.addSource(ConfigSources.file(file));
        }
        return builder.addSource(ConfigSources.classpath("application.yaml")).build();
    }

    private static String usage() {
        return "usage: java -jar server.jar [--models DIR] [--port N] [--device auto|cpu|cuda] [--config FILE]";
    }

    /**
     * Builds and starts everything; the listeners are up (live, not ready) when this returns and
     * the models load and warm up on a background thread, after which readiness turns true.
     *
     * @throws IllegalStateException when the configured device cannot be used ({@code cuda} without CUDA)
     */
    public static TailorServer start(Config config) {
        return start(config, ServingObserver.NONE);
    }

    /**
     * As {@link #start(Config)}, with {@code observer} hearing warm-ups and batches: tests hold
     * them to observe states deterministically.
     */
    public static TailorServer start(Config config, ServingObserver observer) {
        ServerSettings settings = ServerSettings.from(config);
        OrtRuntime runtime = OrtRuntime.of(settings.runtime());
        SessionFactory sessions = new SessionFactory(runtime, settings.runtime()); // fails loudly for an unusable cuda
        // Helidon's Prometheus endpoint formats only its global registry; TailorServer.close() removes our meters
        // from it again, so servers started one after another in one JVM (tests) do not see stale gauges
        MeterRegistry registry = MetricsFactory.getInstance(config).globalRegistry(MetricsConfig.create(config.get("metrics")));
        ServerMetrics metrics = new ServerMetrics(registry);
        ModelRepository repository = new ModelRepository();
        RepositoryManager manager = new RepositoryManager(repository, settings.repository(), sessions, metrics, observer);
        Inference inference = new Inference(repository, settings.requestTimeout(), settings.ensemble().orElse(null));
        Limits limits = settings.limits();
        InternalErrors errors = new InternalErrors(System.getLogger(InternalErrors.class.getName()));
        ImageClassifier classifier = new ImageClassifier(inference,
                new ImageDecoder(limits.maxImagePixels(), limits.maxRequestPixels()));
        Services services = new Services(inference, classifier,
                new RepositoryApi(repository, manager, settings.apiToken()), new Exchanges(metrics, inference, errors),
                new GrpcCalls(metrics, inference, errors), limits, new InFlightLimit(limits.maxConcurrentRequests()),
                settings.inferenceToken().map(t -> new BearerToken(t, "the inference APIs (tailor.inference-api-token)")),
                new Explainer(inference, ExplainSettings.from(config.get("tailor.explain")), metrics));
        // HTTP/2 connections (prior knowledge, and TLS with ALPN h2) go to this selector, which hands gRPC
        // streams to our transport: Helidon's own gRPC handler answers malformed calls with silence
        ServerConnectionSelector http2 = Http2ConnectionSelector.builder()
                .http2Config(Http2FlowControl.settings(config.get("server.protocols.http_2")))
                .addSubProtocolSelector(new GrpcTransport(grpcServices(services), limits.grpcMaxMessageBytes(),
                        services.inFlight(), LIMITED_GRPC_METHODS, metrics, errors))
                .build();

        WebServerConfig.Builder server = WebServer.builder()
                .config(config.get("server"))
                .shutdownHook(false) // ours drains the batchers before the listeners stop
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.builder()
                        .observersDiscoverServices(false)
                        .addObserver(HealthObserver.builder().details(true).useSystemServices(false)
                                .addCheck(readiness(repository))
                                .addCheck(() -> HealthCheckResponse.builder().status(true).build(),
                                        HealthCheckType.LIVENESS, "live")
                                .build())
                        .addObserver(MetricsObserver.builder().meterRegistry(registry).build())
                        .build())
                .addFeature(OpenApiFeature.builder().build())
                .routing(routing -> routing(routing, services))
                .addConnectionSelector(http2);
        // without TCP_NODELAY every unary gRPC call waits ~40 ms for a delayed ACK
        server.connectionOptions(tcpNoDelay(server.connectionOptions().orElse(null)));
        if (settings.grpcPort() >= 0) {
            server.putSocket("grpc", socket -> socket.port(settings.grpcPort()).host(server.host())
                    .connectionOptions(tcpNoDelay(null)).addConnectionSelector(http2));
        }
        WebServer web = server.build().start();
        String scheme = web.hasTls() ? "https" : "http";
        LOG.log(Level.INFO, "Listening on " + scheme + "://" + server.host() + ":" + web.port()
                + " (HTTP/1.1, HTTP/2, gRPC)"
                + (settings.grpcPort() >= 0 ? "; gRPC also on port " + web.port("grpc") : "")
                + "; device " + settings.runtime().device().name().toLowerCase(java.util.Locale.ROOT) + " ("
                + sessions.provider() + "), " + runtime.describe() + "; loading models from "
                + settings.modelsDir().toAbsolutePath() + (settings.watch() ? " and watching it" : "")
                + "; inference APIs " + (services.inferenceToken().isPresent() ? "need a bearer token" : "open")
                + "; repository API " + (settings.apiToken().isPresent() ? "on" : "off (no tailor.repository.api-token)"));
        manager.start();
        return new TailorServer(web, repository, manager, registry, settings.shutdownGrace());
    }

    /**
     * The HTTP routes: Open Inference Protocol, classify, repository and explain APIs, the console;
     * the inference token's filter when one is configured; and the one error handler ({@link Exchanges#failed}).
     */
    public static void routing(HttpRouting.Builder routing, Services services) {
        Exchanges exchanges = services.exchanges();
        services.inferenceToken().ifPresent(token -> routing.addFilter(new InferenceAuth(token, exchanges)));
        long maxPayload = services.limits().maxPayloadBytes();
        routing.register(new OipHttpService(services.inference(), exchanges, maxPayload, services.inFlight()))
                .register(new ClassifyHttpService(services.inference(), services.classifier(), exchanges, maxPayload,
                        services.inFlight()))
                .register(new RepositoryHttpService(services.repository(), exchanges, maxPayload))
                .register(new ExplainHttpService(services.inference(), services.classifier(), services.explainer(),
                        exchanges, maxPayload, services.inFlight()))
                .register("/console", Console.service())
                .error(Throwable.class, exchanges::failed);
    }

    /** The gRPC services, interceptors applied: Open Inference Protocol and {@code tailor.v1}. */
    public static List<ServerServiceDefinition> grpcServices(Services services) {
        List<ServerInterceptor> interceptors = new ArrayList<>();
        services.inferenceToken().ifPresent(token -> interceptors.add(new InferenceAuthorization(token,
                PROTECTED_GRPC_METHODS)));
        interceptors.add(new AuthorizationHeader());
        interceptors.add(new Deadlines());
        return List.of(
                ServerInterceptors.interceptForward(new OipGrpcService(services.inference(), services.repository(),
                        services.grpc()), interceptors),
                ServerInterceptors.interceptForward(new ClassificationGrpcService(services.inference(),
                        services.classifier(), services.explainer(), services.grpc()), interceptors));
    }

    private static HealthCheck readiness(ModelRepository repository) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "models";
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder().status(repository.isReady())
                        .detail("models", repository.models().size())
                        .detail("not_ready", String.join(",", repository.notReady())).build();
            }
        };
    }

    private static SocketOptions tcpNoDelay(SocketOptions base) {
        SocketOptions.Builder options = SocketOptions.builder();
        if (base != null) {
            options.from(base);
        }
        return options.tcpNoDelay(true).build();
    }

    /**
     * The request-handling parts routing needs, built once per server.
     *
     * @param inFlight       the server's in-flight limit, shared by REST and gRPC
     * @param inferenceToken the inference APIs' bearer token; empty: they are open
     */
    public record Services(Inference inference, ImageClassifier classifier, RepositoryApi repository,
                           Exchanges exchanges, GrpcCalls grpc, Limits limits, InFlightLimit inFlight,
                           Optional<BearerToken> inferenceToken, Explainer explainer) {
    }
}
