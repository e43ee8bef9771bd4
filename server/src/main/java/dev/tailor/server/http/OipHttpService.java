package dev.tailor.server.http;

import dev.tailor.server.InFlightLimit;
import dev.tailor.server.ServingException;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.TensorSpec;
import dev.tailor.server.serving.ModelStatus;
import dev.tailor.server.serving.ServedModel;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Open Inference Protocol (KServe v2) REST API: health, server and model metadata, model
 * readiness and inference, with Triton's classification extension. Paths and JSON shapes follow
 * the specification so that existing v2 clients work unchanged.
 */
public final class OipHttpService implements HttpService {
    /** Server name and version reported by {@code GET /v2}. */
    public static final String SERVER_NAME = "tailor";
    public static final String SERVER_VERSION = "0.1.0";
    /** Protocol extensions implemented. */
    public static final List<String> EXTENSIONS = List.of("classification", "binary_tensor_data", "model_repository");
    private static final HeaderName BINARY_HEADER_LENGTH = HeaderNames.create(BinaryTensorCodec.HEADER_LENGTH);
    /** Platform name of ONNX models, as Triton reports it. */
    public static final String PLATFORM = "onnxruntime_onnx";

    /** The metadata parameters the server writes itself; a model's custom metadata of the same name is left out. */
    private static final Set<String> OWN_PARAMETERS = Set.of("version", "provider", "state", "reason", "file", "sha256",
            "loaded_at", "load_ms", "last_error", "last_error_sha256", "last_error_at", "description", "labels");

    private final Inference inference;
    private final Exchanges exchanges;
    private final RequestBody bodies;
    private final InFlightLimit limit;

    /**
     * Serves {@code inference}'s models, counting through {@code exchanges}; inference bodies of at
     * most {@code maxPayloadBytes}; each inference call holds a place of {@code limit}.
     */
    public OipHttpService(Inference inference, Exchanges exchanges, long maxPayloadBytes, InFlightLimit limit) {
        this.inference = inference;
        this.exchanges = exchanges;
        this.bodies = new RequestBody(maxPayloadBytes);
        this.limit = limit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v2", this::serverMetadata)
                .get("/v2/health/live", (req, res) -> res.status(Status.OK_200).send())
                .get("/v2/health/ready", this::serverReady)
                .get("/v2/models/{name}", this::modelMetadata)
                .get("/v2/models/{name}/versions/{version}", this::modelMetadata)
                .get("/v2/models/{name}/ready", this::modelReady)
                .get("/v2/models/{name}/versions/{version}/ready", this::modelReady)
                .post("/v2/models/{name}/infer", this::infer)
                .post("/v2/models/{name}/versions/{version}/infer", this::infer);
    }

    private void serverMetadata(ServerRequest req, ServerResponse res) {
        Exchanges.sendJson(res, Status.OK_200, JsonInferCodec.Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", SERVER_NAME);
            g.writeStringField("version", SERVER_VERSION);
            g.writeArrayFieldStart("extensions");
            for (String e : EXTENSIONS) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private void serverReady(ServerRequest req, ServerResponse res) {
        res.status(inference.repository().isReady() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503).send();
    }

    private void modelReady(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        exchanges.serve(req, res, name, () -> {
            if (!inference.isReady(name, version(req))) {
                inference.describe(name, version(req)); // throws UNAVAILABLE with why
            }
            return JsonInferCodec.Json.write(g -> {
                g.writeStartObject();
                g.writeStringField("name", name);
                g.writeBooleanField("ready", true);
                g.writeEndObject();
            });
        });
    }

    private void modelMetadata(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        exchanges.serve(req, res, name, () -> {
            ModelInfo info;
            List<String> versions;
            ModelStatus status;
            if (inference.isEnsemble(name)) {
                info = inference.describe(name, version(req));
                versions = List.of(info.version());
                status = null; // no file of its own
            } else {
                ServedModel served = inference.model(name, version(req));
                info = served.info();
                versions = inference.repository().versions(name);
                status = inference.repository().statuses(name).stream()
                        .filter(s -> s.serving() == served).findFirst().orElse(null);
            }
            return JsonInferCodec.Json.write(g -> {
                g.writeStartObject();
                g.writeStringField("name", info.name());
                g.writeArrayFieldStart("versions");
                for (String v : versions.isEmpty() ? List.of(info.version()) : versions) {
                    g.writeString(v);
                }
                g.writeEndArray();
                g.writeStringField("platform", PLATFORM);
                g.writeArrayFieldStart("inputs");
                writeTensor(g, info.input());
                g.writeEndArray();
                g.writeArrayFieldStart("outputs");
                for (TensorSpec out : info.outputs()) {
                    writeTensor(g, out);
                }
                g.writeEndArray();
                // not in the protocol's schema; clients ignore unknown fields, people want to see these
                g.writeObjectFieldStart("parameters");
                g.writeStringField("version", info.version());
                if (status != null) {
                    StatusJson.write(g, status, false);
                } else {
                    g.writeStringField("provider", info.provider());
                }
                g.writeStringField("description", info.description());
                g.writeArrayFieldStart("labels");
                for (String label : info.labels()) {
                    g.writeString(label);
                }
                g.writeEndArray();
                for (Map.Entry<String, String> m : new TreeMap<>(info.metadata()).entrySet()) {
                    if (!OWN_PARAMETERS.contains(m.getKey())) { // the file's own metadata, where it does not clash with ours
                        g.writeStringField(m.getKey(), m.getValue());
                    }
                }
                g.writeEndObject();
                g.writeEndObject();
            });
        });
    }

    private void infer(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        exchanges.serveReply(req, res, name, () -> {
            inference.checkAdmission(name, version(req)); // 404 or 503 before reading a body meant for no model or a full one
            try (InFlightLimit.Permit permit = limit.acquire()) {
                // read as JSON whatever the Content-Type says, as Triton does: `curl -d @req.json` sends
                // application/x-www-form-urlencoded, and a body that is not JSON is refused as such. With
                // Inference-Header-Content-Length, the JSON is only the start of the body (binary tensors)
                Optional<String> headerLength = req.headers().first(BINARY_HEADER_LENGTH);
                BinaryTensorCodec.Decoded decoded = headerLength.isPresent()
                        ? BinaryTensorCodec.read(bodies.stream(req), headerLength.get(), name, version(req))
                        : plainJson(bodies.stream(req), name, version(req));
                BinaryTensorCodec.Encoded answer = BinaryTensorCodec.write(inference.infer(decoded.request()),
                        decoded.header());
                if (!answer.binary()) {
                    return new Exchanges.Reply(MediaTypes.APPLICATION_JSON, answer.body());
                }
                return new Exchanges.Reply(MediaTypes.APPLICATION_OCTET_STREAM, answer.body(),
                        Map.of(BinaryTensorCodec.HEADER_LENGTH, Integer.toString(answer.headerLength())));
            }
        });
    }

    /** A plain JSON request: every input carries its data, though outputs may still be asked for as bytes. */
    private static BinaryTensorCodec.Decoded plainJson(java.io.InputStream body, String name, String version) {
        JsonInferCodec.Header header = JsonInferCodec.readHeader(body, name, version);
        for (int i = 0; i < header.binarySizes().length; i++) {
            if (header.binarySizes()[i] >= 0) {
                throw ServingException.badRequest("input '" + header.request().inputs().get(i).name() + "' has"
                        + " 'binary_data_size' but the request has no " + BinaryTensorCodec.HEADER_LENGTH + " header");
            }
        }
        return new BinaryTensorCodec.Decoded(header.request(), header);
    }

    private static String version(ServerRequest req) {
        return req.path().pathParameters().first("version").orElse("");
    }

    static void writeTensor(JsonGenerator g, TensorSpec spec) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", spec.name());
        g.writeStringField("datatype", spec.datatype());
        g.writeFieldName("shape");
        long[] shape = spec.shape();
        g.writeArray(shape, 0, shape.length);
        g.writeEndObject();
    }
}
