package dev.tailor.server.http;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.metrics.ServerMetrics;
import dev.tailor.server.serving.ModelRepository;
import io.helidon.http.HeaderNames;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;

/**
 * The one place HTTP handlers send JSON, turn {@link ServingException}s into
 * {@code {"error": "..."}} responses (with {@code Retry-After} when overloaded, {@code WWW-Authenticate}
 * when a token is missing or wrong), log rejections
 * at DEBUG, and count each request by model, protocol and status.
 */
public final class Exchanges {
    private static final System.Logger LOG = System.getLogger(Exchanges.class.getName());
    /** Seconds a client is told to wait when a queue is full. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final ServerMetrics metrics;
    private final ModelRepository repository;

    /** Counts into {@code metrics}; model labels are limited to models of {@code repository}. */
    public Exchanges(ServerMetrics metrics, ModelRepository repository) {
        this.metrics = metrics;
        this.repository = repository;
    }

    /** Something a handler computes: a JSON body (empty for none), or a {@link ServingException}. */
    interface JsonHandler {
        byte[] handle() throws Exception;
    }

    /** A body that is not JSON, with its media type. */
    record Reply(MediaType type, byte[] body) {
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
                res.headers().contentType(reply.type());
                res.send(reply.body());
            }
        } catch (ServingException e) {
            status = e.kind().httpStatus();
            LOG.log(Level.DEBUG, () -> "Rejected " + req.prologue().method().text() + " " + req.path().path()
                    + " with " + e.kind().httpStatus() + ": " + e.getMessage());
            sendError(res, e);
        } catch (Exception e) {
            status = 500;
            LOG.log(Level.ERROR, "Failed " + req.prologue().method().text() + " " + req.path().path(), e);
            sendError(res, new ServingException(ErrorKind.INTERNAL, "internal error: " + e));
        } finally {
            // unknown names are pooled, so that a client probing random names cannot grow the label set
            String label = model == null ? "-" : repository.knows(model) ? model : "_unknown";
            metrics.request(label, "rest", Integer.toString(status), status < 400, System.nanoTime() - start);
        }
    }

    static void sendJson(ServerResponse res, Status status, byte[] body) {
        res.status(status);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.send(body);
    }

    /** Sends {@code {"error": message}} with the exception's status. */
    static void sendError(ServerResponse res, ServingException e) {
        if (e.kind() == ErrorKind.OVERLOADED) {
            res.header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (e.kind() == ErrorKind.UNAUTHORIZED) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tailor\"");
        }
        sendJson(res, Status.create(e.kind().httpStatus()), errorBody(e.getMessage()));
    }

    static byte[] errorBody(String message) {
        return JsonInferCodec.Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }
}
