package dev.tailor.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Carries a call's {@code authorization} metadata to the service, where the repository RPCs check
 * it; other RPCs ignore it. It is read from the call's headers only, never logged.
 */
public final class AuthorizationHeader implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> VALUE = Context.key("tailor-authorization");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String value = headers.get(AUTHORIZATION);
        if (value == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(VALUE, value), call, headers, next);
    }

    /** The current call's {@code authorization} value, or null when it sent none. */
    static String current() {
        return VALUE.get();
    }
}
