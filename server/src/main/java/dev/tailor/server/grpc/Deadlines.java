package dev.tailor.server.grpc;

import dev.tailor.server.infer.Inference;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.time.Duration;

/**
 * Carries a call's {@code grpc-timeout} to the service as a {@link Duration}: Helidon's gRPC
 * server does not turn it into a grpc-java {@link Context} deadline, so without this a client's
 * deadline would be ignored and an expired request computed anyway.
 */
public final class Deadlines implements ServerInterceptor {
    private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Long> DEADLINE_NANOS = Context.key("tailor-deadline-nanos");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Duration timeout = parse(headers.get(TIMEOUT));
        if (timeout == null) {
            return next.startCall(call, headers);
        }
        if (timeout.compareTo(Inference.MAX_TIMEOUT) > 0) {
            timeout = Inference.MAX_TIMEOUT; // gRPC allows up to 99999999 hours: far beyond any wait here
        }
        Context context = Context.current().withValue(DEADLINE_NANOS, System.nanoTime() + timeout.toNanos());
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** Time left for the current call, or null when the client set no deadline. */
    static Duration remaining() {
        Long deadline = DEADLINE_NANOS.get();
        if (deadline == null) {
            if (Context.current().getDeadline() != null) {
                return Duration.ofNanos(Math.max(1, Context.current().getDeadline().timeRemaining(
                        java.util.concurrent.TimeUnit.NANOSECONDS)));
            }
            return null;
        }
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    /** Parses the gRPC wire format: up to 8 digits and a unit (H, M, S, m, u, n); null when absent or malformed. */
    static Duration parse(String value) {
        if (value == null || value.length() < 2 || value.length() > 9 || !value.chars().limit(value.length() - 1)
                .allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        long amount;
        try {
            amount = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> Duration.ofHours(amount);
            case 'M' -> Duration.ofMinutes(amount);
            case 'S' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMillis(amount);
            case 'u' -> Duration.ofNanos(amount * 1000);
            case 'n' -> Duration.ofNanos(amount);
            default -> null;
        };
    }
}
