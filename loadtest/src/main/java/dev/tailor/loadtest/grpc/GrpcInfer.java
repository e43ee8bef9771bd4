package dev.tailor.loadtest.grpc;

import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import io.gatling.core.action.Action;
import io.gatling.core.structure.ScenarioContext;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;
import java.util.function.Function;

/**
 * Gatling DSL step that sends one OIP {@code ModelInfer} call over gRPC and reports it to Gatling's
 * stats engine under {@code requestName}, so gRPC calls land in the same report, console summary
 * and assertions as the HTTP requests. Gatling's own gRPC support is not open source, and its
 * HTTP/2 client cannot complete gRPC calls (it ignores trailers), hence this small action around
 * grpc-java's async stub.
 *
 * <pre>{@code exec(GrpcInfer.request("OIP gRPC infer", channels, session -> payloads.grpc(session.getInt("image")), deadline))}</pre>
 */
public final class GrpcInfer implements ActionBuilder {
    private final String requestName;
    private final GrpcChannels channels;
    private final Function<Session, ModelInferRequest> request;
    private final Duration deadline;

    private GrpcInfer(String requestName, GrpcChannels channels, Function<Session, ModelInferRequest> request, Duration deadline) {
        this.requestName = requestName;
        this.channels = channels;
        this.request = request;
        this.deadline = deadline;
    }

    /** A {@code ModelInfer} call built from the session by {@code request}, failed when not answered within {@code deadline}. */
    public static GrpcInfer request(String requestName, GrpcChannels channels, Function<Session, ModelInferRequest> request,
                                    Duration deadline) {
        return new GrpcInfer(requestName, channels, request, deadline);
    }

    @Override
    public io.gatling.core.action.builder.ActionBuilder asScala() {
        return new io.gatling.core.action.builder.ActionBuilder() {
            @Override
            public Action build(ScenarioContext ctx, Action next) {
                return new GrpcInferAction(requestName, channels, request, deadline,
                        ctx.coreComponents().statsEngine(), ctx.coreComponents().clock(), next);
            }
        };
    }
}
