package dev.tailor.server.grpc.transport;

import dev.tailor.server.InFlightLimit;
import dev.tailor.server.InternalErrors;
import dev.tailor.server.RateLimitedLog;
import dev.tailor.server.metrics.ServerMetrics;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2Settings;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.http.http2.Http2StreamWriter;
import io.helidon.http.http2.StreamFlowControl;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.Router;
import io.helidon.webserver.http2.spi.Http2SubProtocolSelector;
import io.helidon.webserver.http2.spi.SubProtocolResult;

import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Serves grpc-java services ({@link ServerServiceDefinition}s, interceptors applied) on Helidon's
 * HTTP/2 connections, in place of Helidon 4.4.0's gRPC handler, which on a message over its limit,
 * a body that is not gRPC messages, unparsable bytes or a compressed message logged a hex dump and
 * never answered, and then stalled the connection. Here every such request gets a status at once
 * (RESOURCE_EXHAUSTED, INTERNAL, INVALID_ARGUMENT, UNIMPLEMENTED), one concise rate-limited log
 * line, and the connection stays usable. Messages are read up to {@code tailor.grpc-max-message-size};
 * the inference methods count against the server's {@link InFlightLimit}.
 */
public final class GrpcTransport implements Http2SubProtocolSelector {
    private static final System.Logger LOG = System.getLogger(GrpcTransport.class.getName());

    private final Map<String, ServerMethodDefinition<?, ?>> methods = new HashMap<>();
    private final int maxMessageBytes;
    private final InFlightLimit limit;
    private final Set<String> limitedMethods;
    private final ServerMetrics metrics;
    private final InternalErrors errors;
    private final RateLimitedLog refusals = new RateLimitedLog(LOG, 10, 1);

    /**
     * Serves {@code services}.
     *
     * @param maxMessageBytes largest request message read
     * @param limit           the server's in-flight limit, taken by the calls of {@code limitedMethods}
     *                        (full method names) before their message is read
     * @param metrics         counts the calls refused here (model "-", protocol grpc)
     */
    public GrpcTransport(List<ServerServiceDefinition> services, int maxMessageBytes, InFlightLimit limit,
                         Set<String> limitedMethods, ServerMetrics metrics, InternalErrors errors) {
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("tailor.grpc-max-message-size must be >= 1, got " + maxMessageBytes);
        }
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                methods.put(method.getMethodDescriptor().getFullMethodName(), method);
            }
        }
        this.maxMessageBytes = maxMessageBytes;
        this.limit = limit;
        this.limitedMethods = Set.copyOf(limitedMethods);
        this.metrics = metrics;
        this.errors = errors;
    }

    @Override
    public SubProtocolResult subProtocol(ConnectionContext ctx, HttpPrologue prologue, Http2Headers headers,
                                         Http2StreamWriter streamWriter, int streamId, Http2Settings serverSettings,
                                         Http2Settings clientSettings, StreamFlowControl streamFlowControl,
                                         Http2StreamState currentStreamState, Router router) {
        if (prologue.method() != Method.POST
                || !isGrpc(headers.httpHeaders().first(HeaderNames.CONTENT_TYPE).orElse(""))) {
            return NOT_SUPPORTED;
        }
        String path = headers.path();
        ServerMethodDefinition<?, ?> method = methods.get(path.startsWith("/") ? path.substring(1) : path);
        Attributes attributes = Attributes.newBuilder()
                .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ctx.remotePeer().address())
                .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ctx.localPeer().address())
                .build();
        return new SubProtocolResult(true, new GrpcCall<>(this, method, headers, streamWriter, streamId,
                streamFlowControl, attributes, maxMessageBytes));
    }

    /** {@code application/grpc} and its {@code +proto}-style and parameterized forms; not gRPC-Web. */
    static boolean isGrpc(String contentType) {
        String type = contentType.trim().toLowerCase(java.util.Locale.ROOT);
        if (!type.startsWith("application/grpc")) {
            return false;
        }
        return type.length() == "application/grpc".length() || type.charAt(16) == '+' || type.charAt(16) == ';';
    }

    /** The in-flight permit of a call of {@code method}, or null when the method does not count. */
    InFlightLimit.Permit admit(String method) {
        return limitedMethods.contains(method) ? limit.acquire() : null;
    }

    /** Logs (rate-limited) and counts a call refused by the transport. */
    void refused(String path, SocketAddress peer, Status status) {
        refusals.log(Level.WARNING, "Refused gRPC " + path + " from " + peer + ": " + status.getCode() + " "
                + status.getDescription());
        metrics.request("-", "grpc", status.getCode().name(), false, 0);
    }

    /** Logs a failure of the handler or an interceptor; returns its reference for the answer. */
    String internalError(String path, Throwable failure) {
        return errors.report("gRPC " + path, failure);
    }
}
