package dev.tailor.server.grpc;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.InternalErrors;
import dev.tailor.server.ServingException;
import dev.tailor.server.metrics.ServerMetrics;
import dev.tailor.server.infer.Inference;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.lang.System.Logger.Level;
import java.util.concurrent.Callable;

/**
 * Runs a unary gRPC method body: completes the observer with its value, or maps a
 * {@link ServingException} to its status with the message as description (anything else is an
 * internal error, answered with a log reference only), logs rejections at DEBUG, and counts the
 * call by model, protocol and status.
 */
public final class GrpcCalls {
    private static final System.Logger LOG = System.getLogger(GrpcCalls.class.getName());

    private final ServerMetrics metrics;
    private final Inference inference;
    private final InternalErrors errors;

    /** Counts into {@code metrics} (model labels limited to the models and ensemble {@code inference} serves); reports bugs to {@code errors}. */
    public GrpcCalls(ServerMetrics metrics, Inference inference, InternalErrors errors) {
        this.metrics = metrics;
        this.inference = inference;
        this.errors = errors;
    }

    /** Answers a call about {@code model} (null for none) with {@code body}'s result. */
    <T> void unary(String method, String model, StreamObserver<T> observer, Callable<T> body) {
        long start = System.nanoTime();
        Status.Code code = Status.Code.OK;
        try {
            T value = body.call();
            observer.onNext(value);
            observer.onCompleted();
        } catch (ServingException e) {
            code = e.kind().grpcCode();
            LOG.log(Level.DEBUG, () -> "Rejected gRPC " + method + " with " + e.kind().grpcCode() + ": " + e.getMessage());
            observer.onError(Status.fromCode(code).withDescription(e.getMessage()).asRuntimeException());
        } catch (Exception e) {
            code = Status.Code.INTERNAL;
            ServingException answer = errors.answer("gRPC " + method, e);
            observer.onError(Status.INTERNAL.withDescription(answer.getMessage()).asRuntimeException());
        } finally {
            if (model != null) {
                metrics.request(model, inference::knows, "grpc", code.name(), code == Status.Code.OK,
                        System.nanoTime() - start);
            }
        }
    }

    /** UNAVAILABLE unless the repository is ready. */
    void requireReady() {
        if (!inference.repository().isReady()) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "server is not ready");
        }
    }
}
