package dev.tailor.loadtest.grpc;

import com.typesafe.scalalogging.Logger;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import io.gatling.commons.stats.KO$;
import io.gatling.commons.stats.OK$;
import io.gatling.commons.stats.Status;
import io.gatling.commons.util.Clock;
import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.stats.StatsEngine;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import scala.Option;

/**
 * The running form of {@link GrpcInfer}: sends the call, and when it ends logs its start, end,
 * status (OK, or KO with the gRPC code and description, as Gatling shows HTTP errors) to the stats
 * engine, then hands the virtual user back to its event loop for the next step. A call that
 * completes without an output counts as KO: a load test must not count empty answers as served.
 */
final class GrpcInferAction implements Action {
    private final String requestName;
    private final GrpcChannels channels;
    private final Function<io.gatling.javaapi.core.Session, ModelInferRequest> request;
    private final long deadlineNanos;
    private final StatsEngine stats;
    private final Clock clock;
    private final Action next;
    private Logger logger;

    GrpcInferAction(String requestName, GrpcChannels channels, Function<io.gatling.javaapi.core.Session, ModelInferRequest> request,
                    Duration deadline, StatsEngine stats, Clock clock, Action next) {
        this.requestName = requestName;
        this.channels = channels;
        this.request = request;
        this.deadlineNanos = deadline.toNanos();
        this.stats = stats;
        this.clock = clock;
        this.next = next;
        this.logger = Logger.apply(GrpcInferAction.class);
    }

    @Override
    public String name() {
        return requestName;
    }

    @Override
    public void execute(Session session) {
        ModelInferRequest call;
        try {
            call = request.apply(new io.gatling.javaapi.core.Session(session));
        } catch (RuntimeException e) {
            stats.logRequestCrash(session.scenario(), session.groups(), requestName, "could not build the request: " + e);
            next.execute(session.markAsFailed());
            return;
        }
        long start = clock.nowMillis();
        channels.stub(session.userId()).withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)
                .modelInfer(call, new StreamObserver<>() {
                    private boolean answered;

                    @Override
                    public void onNext(ModelInferResponse response) {
                        answered = response.getOutputsCount() > 0;
                    }

                    @Override
                    public void onError(Throwable t) {
                        io.grpc.Status status = io.grpc.Status.fromThrowable(t);
                        String description = status.getDescription() == null ? "" : ": " + status.getDescription();
                        done(session, start, KO$.MODULE$, status.getCode().name(), status.getCode() + description);
                    }

                    @Override
                    public void onCompleted() {
                        if (answered) {
                            done(session, start, OK$.MODULE$, "OK", null);
                        } else {
                            done(session, start, KO$.MODULE$, "OK", "response without outputs");
                        }
                    }
                });
    }

    private void done(Session session, long start, Status status, String code, String message) {
        stats.logResponse(session.scenario(), session.groups(), requestName, start, clock.nowMillis(), status,
                Option.apply(code), Option.apply(message));
        Session after = status == OK$.MODULE$ ? session : session.markAsFailed();
        // a virtual user's steps run on its own event loop, never on a transport thread
        session.eventLoop().execute(() -> next.execute(after));
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public void com$typesafe$scalalogging$StrictLogging$_setter_$logger_$eq(Logger logger) {
        this.logger = logger;
    }
}
