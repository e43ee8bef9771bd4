package dev.tailor.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import dev.tailor.loadtest.Scenario;
import dev.tailor.loadtest.Target;
import dev.tailor.loadtest.data.Payloads;
import dev.tailor.loadtest.grpc.GrpcChannels;
import dev.tailor.loadtest.grpc.GrpcInfer;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;

/**
 * The one request each {@link Scenario} sends, with the image the feeder put in the session
 * ({@value #IMAGE}). A request counts as OK only when answered 200 (gRPC: status OK with an
 * output); the answer's content is the server tests' business, not the load test's.
 */
final class Requests {
    /** The session key the feeders fill with an image index. */
    static final String IMAGE = "image";
    /** How long a request may take before it counts as failed; the run's end waits at most this long for stragglers. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Target target;
    private final Payloads payloads;
    private final GrpcChannels channels;

    Requests(Target target, Payloads payloads, GrpcChannels channels) {
        this.target = target;
        this.payloads = payloads;
        this.channels = channels;
    }

    /**
     * The HTTP protocol: the target as base URL, one connection pool shared by all virtual users
     * (as a real client keeps connections alive), and no warm-up request (Gatling's default warms up
     * against an outside URL: a run must talk to its target only).
     */
    static HttpProtocolBuilder protocol(Target target) {
        return http.baseUrl(target.baseUrl())
                .shareConnections()
                .disableWarmUp()
                .disableCaching()
                .acceptHeader("application/json");
    }

    ActionBuilder of(Scenario scenario) {
        String infer = "/v2/models/" + target.model() + "/infer";
        return switch (scenario) {
            case CLASSIFY -> http(scenario.requestName())
                    .post("/v1/models/" + target.model() + "/classify")
                    .header("Content-Type", "image/png")
                    .body(ByteArrayBody(session -> payloads.png(session.getInt(IMAGE))))
                    .check(status().is(200));
            case JSON -> http(scenario.requestName())
                    .post(infer)
                    .header("Content-Type", "application/json")
                    .body(ByteArrayBody(session -> payloads.json(session.getInt(IMAGE))))
                    .check(status().is(200));
            case BINARY -> http(scenario.requestName())
                    .post(infer)
                    .header("Content-Type", "application/octet-stream")
                    .header("Inference-Header-Content-Length", String.valueOf(payloads.binaryHeaderLength()))
                    .body(ByteArrayBody(session -> payloads.binary(session.getInt(IMAGE))))
                    .check(status().is(200));
            case GRPC -> GrpcInfer.request(scenario.requestName(), channels,
                    session -> payloads.grpc(session.getInt(IMAGE)), TIMEOUT);
        };
    }
}
