package dev.tailor.server.grpc;

import dev.tailor.server.BearerToken;
import dev.tailor.server.ServingException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.util.Set;

/**
 * The optional bearer token of the inference APIs over gRPC ({@code tailor.inference-api-token}):
 * a call of a protected method without {@code authorization: Bearer <token>}, or with another
 * token, ends at once with UNAUTHENTICATED. Health ({@code ServerLive}, {@code ServerReady},
 * {@code ModelReady}) and server metadata stay open; the repository RPCs check their own token.
 */
public final class InferenceAuthorization implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final BearerToken token;
    private final Set<String> protectedMethods;

    /** Asks for {@code token} on the calls of {@code protectedMethods} (full method names). */
    public InferenceAuthorization(BearerToken token, Set<String> protectedMethods) {
        this.token = token;
        this.protectedMethods = Set.copyOf(protectedMethods);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (protectedMethods.contains(call.getMethodDescriptor().getFullMethodName())) {
            try {
                token.check(headers.get(AUTHORIZATION));
            } catch (ServingException e) {
                call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        }
        return next.startCall(call, headers);
    }
}
