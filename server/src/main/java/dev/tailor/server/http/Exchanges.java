package dev.tailor.server.http;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.InternalErrors;
import dev.tailor.server.ServingException;
import dev.tailor.server.metrics.ServerMetrics;
import dev.tailor.server.infer.Inference;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;

/**
 * The one place HTTP answers are made: handlers send JSON through it, and every failure, thrown in
 * a handler or anywhere in routing ({@link #failed}, registered as the routing's error handler),
 * becomes {@code {"error": "..."}} with its status ({@code Retry-After} when overloaded,
 * {@code WWW-Authenticate} when a token is missing or wrong). A {@link ServingException} carries
 * its own status and message; an error Helidon raised about the request keeps its 4xx status; an
 * unreadable body is 400; anything else is a 500 that names only a reference into the log. Rejections
 * are logged at DEBUG; each request is counted by model, protocol and status.
 */
public final class Exchanges {
    private static final System.Logger LOG = System.getLogger(Exchanges.class.getName());
    /** Seconds a client is told to wait when a queue is full. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final ServerMetrics metrics;
    private final Inference inference;
    private final InternalErrors errors;

    /** Counts into {@code metrics} (model labels limited to the models and ensemble {@code inference} serves); reports bugs to {@code errors}. */
    public Exchanges(ServerMetrics metrics, Inference inference, InternalErrors errors) {
        this.metrics = metrics;
        this.inference = inference;
        this.errors = errors;
    }

    /** Something a handler computes: a JSON body (empty for none), or a {@link ServingException}. */
    interface JsonHandler {
        byte[] handle() throws Exception;
    }

    /** A body that is not JSON, with its media type and any extra response headers. */
    record Reply(MediaType type, byte[] body, java.util.Map<String, String> headers) {
        Reply(MediaType type, byte[] body) {
            this(type, body, java.util.Map.of());
        }
    }

    /** Something a handler computes that may answer other than JSON, or a {@link ServingException}. */
    interface ReplyHandler {
        Reply handle() throws Exception;
    }

    /** Runs {@code handler} for a request about {@code model}, sends its result or error, and counts it. */
    void serve(ServerRequest req, ServerResponse res, String model, JsonHandler handler) {
        serveReply(req, res, model, () -> new Reply(MediaTypes.APPLICATION_JSON, handler.handle()));
    }

    /** As {@link #serve}, for a handler whose answer carries its own media type (errors are JSON all the same). */
    void serveReply(ServerRequest req, ServerResponse res, String model, ReplyHandler handler) {
        long start = System.nanoTime();
        int status = Status.OK_200.code();
        try {
            Reply reply = handler.handle();
            if (reply.body().length == 0) {
                res.status(Status.OK_200).send();
            } else {
                res.status(Status.OK_200);
                reply.headers().forEach((name, value) -> res.header(name, value));
                res.headers().contentType(reply.type());
                res.send(reply.body());
            }
        } catch (Exception e) {
            status = send(req, res, e);
        } finally {
            long nanos = System.nanoTime() - start;
            if (model == null) {
                metrics.request("-", "rest", Integer.toString(status), status < 400, nanos);
            } else {
                metrics.request(model, inference::knows, "rest", Integer.toString(status), status < 400, nanos);
            }
        }
    }

    /** The routing's error handler: answers a failure that escaped every handler (a filter's, or Helidon's). */
    public void failed(ServerRequest req, ServerResponse res, Throwable failure) {
        int status = send(req, res, failure);
        metrics.request("-", "rest", Integer.toString(status), false, 0);
    }

    /** Sends the answer for {@code failure}; returns its status. */
    private int send(ServerRequest req, ServerResponse res, Throwable failure) {
        if (failure instanceof HttpException http && http.status().code() < 500) {
            return sendError(req, res, http.status().code(), http.getMessage(), null);
        }
        if (failure instanceof RequestException request && request.status().code() < 500) {
            String message = request.status().code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()
                    ? "the request body is larger than server.max-payload-size"
                    : request.safeMessage() && request.getMessage() != null ? request.getMessage()
                    : request.status().reasonPhrase();
            return sendError(req, res, request.status().code(), message, null);
        }
        ServingException e = failure instanceof ServingException serving ? serving
                : failure instanceof UncheckedIOException || failure instanceof IOException
                ? ServingException.badRequest("cannot read the request body (the client closed it or sent it"
                        + " malformed)")
                : errors.answer(req.prologue().method().text() + " " + req.path().path(), failure);
        return sendError(req, res, e.kind().httpStatus(), e.getMessage(), e.kind());
    }

    private static int sendError(ServerRequest req, ServerResponse res, int status, String message, ErrorKind kind) {
        LOG.log(Level.DEBUG, () -> "Rejected " + req.prologue().method().text() + " " + req.path().path() + " with "
                + status + ": " + message);
        if (res.isSent()) {
            return status; // the failure came after the answer had started: nothing more can be said
        }
        if (kind == ErrorKind.OVERLOADED) {
            res.header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (kind == ErrorKind.UNAUTHORIZED) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tailor\"");
        }
        if (status == Status.REQUEST_ENTITY_TOO_LARGE_413.code() && req.prologue().protocolVersion().startsWith("1.")) {
            // the rest of the body will not be read: over HTTP/1.1 the next request could not be found after it
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        sendJson(res, Status.create(status), errorBody(message));
        return status;
    }

    static void sendJson(ServerResponse res, Status status, byte[] body) {
        res.status(status);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(body);
    }

    static byte[] errorBody(String message) {
        return JsonInferCodec.Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }
}
