package dev.tailor.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.server.ServingException;
import dev.tailor.server.serving.RepositoryApi;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

/**
 * Triton's model-repository extension over HTTP: {@code POST /v2/repository/index} (body
 * {@code {"ready": bool}}, optional) answers every model file with its name, version, state and
 * reason; {@code POST /v2/repository/models/{name}/load} and {@code .../unload} answer 200 with an
 * empty body, or an error object. Every call needs {@code Authorization: Bearer <token>}.
 */
public final class RepositoryHttpService implements HttpService {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RepositoryApi api;
    private final Exchanges exchanges;
    private final RequestBody bodies;

    /** Serves {@code api}, counting through {@code exchanges}; bodies of at most {@code maxPayloadBytes}. */
    public RepositoryHttpService(RepositoryApi api, Exchanges exchanges, long maxPayloadBytes) {
        this.api = api;
        this.exchanges = exchanges;
        this.bodies = new RequestBody(maxPayloadBytes);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v2/repository/index", this::index)
                .post("/v2/repository/models/{name}/load", this::load)
                .post("/v2/repository/models/{name}/unload", this::unload);
    }

    private void index(ServerRequest req, ServerResponse res) {
        exchanges.serve(req, res, null, () -> {
            String authorization = authorization(req);
            api.authorize(authorization); // before reading the body of a caller who may not call
            JsonNode body = body(req);
            JsonNode ready = body.path("ready");
            if (!ready.isMissingNode() && !ready.isBoolean()) {
                throw ServingException.badRequest("'ready' must be true or false");
            }
            var entries = api.index(authorization, ready.asBoolean(false));
            return JsonInferCodec.Json.write(g -> {
                g.writeStartArray();
                for (RepositoryApi.IndexEntry entry : entries) {
                    g.writeStartObject();
                    g.writeStringField("name", entry.name());
                    g.writeStringField("version", entry.version());
                    g.writeStringField("state", entry.state());
                    g.writeStringField("reason", entry.reason());
                    g.writeEndObject();
                }
                g.writeEndArray();
            });
        });
    }

    private void load(ServerRequest req, ServerResponse res) {
        onModel(req, res, api::load);
    }

    private void unload(ServerRequest req, ServerResponse res) {
        onModel(req, res, api::unload);
    }

    /** A load or unload of the model in the path: 200 with an empty body, or an error. */
    private void onModel(ServerRequest req, ServerResponse res, ModelCall call) {
        String name = req.path().pathParameters().get("name");
        exchanges.serve(req, res, name, () -> {
            String authorization = authorization(req);
            api.authorize(authorization); // before reading the body of a caller who may not call
            call.run(authorization, name, parameters(body(req)));
            return new byte[0];
        });
    }

    private interface ModelCall {
        void run(String authorization, String name, Set<String> parameters);
    }

    private static String authorization(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
    }

    /** The JSON object of the body; an empty body is an empty object. */
    private JsonNode body(ServerRequest req) {
        byte[] bytes = bodies.bytes(req);
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw ServingException.badRequest("malformed JSON: the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ServingException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the body: " + e.getMessage());
        }
    }

    private static Set<String> parameters(JsonNode body) {
        JsonNode parameters = body.path("parameters");
        if (parameters.isMissingNode() || parameters.isNull()) {
            return Set.of();
        }
        if (!parameters.isObject()) {
            throw ServingException.badRequest("'parameters' must be a JSON object");
        }
        Set<String> names = new TreeSet<>();
        parameters.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
