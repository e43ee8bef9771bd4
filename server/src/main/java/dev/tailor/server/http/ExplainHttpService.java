package dev.tailor.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.InFlightLimit;
import dev.tailor.server.ServingException;
import dev.tailor.server.explain.ExplainRequest;
import dev.tailor.server.explain.Explainer;
import dev.tailor.server.explain.Explanation;
import dev.tailor.server.explain.HeatMapPng;
import dev.tailor.server.image.FashionMnistConverter;
import dev.tailor.server.image.ImageClassifier;
import dev.tailor.server.image.Preprocess;
import dev.tailor.server.infer.InferRequest;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.Prediction;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /v1/models/{name}/explain}: an occlusion-sensitivity map of one image, from the same
 * inputs as classify (an image body, {@code multipart/form-data} with one image, or an Open Inference
 * Protocol JSON request with one 28×28 tensor). Answers JSON (top-K, the explained class, the
 * converted input and the 28×28 map), or with {@code Accept: image/png} or {@code format=png} the
 * heat-map overlay as a PNG. Parses and answers; the explaining is {@link Explainer}'s.
 */
public final class ExplainHttpService implements HttpService {
    /** The parameters, as query parameters or (multipart) form fields. */
    private static final MediaType PNG = MediaTypes.create("image/png");
    private static final List<String> PARAMETERS = List.of("top_k", "preprocess", "patch", "stride", "target",
            "timeout_ms", "format");

    private final Inference inference;
    private final ImageClassifier images;
    private final Explainer explainer;
    private final Exchanges exchanges;
    private final RequestBody bodies;
    private final InFlightLimit limit;

    /**
     * Explains with {@code explainer}, converting uploaded images with {@code images}; bodies of at
     * most {@code maxPayloadBytes}; each explanation holds a place of {@code limit}.
     */
    public ExplainHttpService(Inference inference, ImageClassifier images, Explainer explainer, Exchanges exchanges,
                              long maxPayloadBytes, InFlightLimit limit) {
        this.inference = inference;
        this.images = images;
        this.explainer = explainer;
        this.exchanges = exchanges;
        this.bodies = new RequestBody(maxPayloadBytes);
        this.limit = limit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/models/{name}/explain", this::explain);
    }

    private void explain(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        exchanges.serveReply(req, res, name, () -> {
            inference.describe(name, ""); // 404 or 503 before reading a body meant for no model
            String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").trim();
            String type = contentType.toLowerCase(Locale.ROOT);
            Map<String, String> fields = new HashMap<>();
            for (String key : PARAMETERS) {
                req.query().first(key).asOptional().ifPresent(v -> fields.put(key, v));
            }
            Explanation explanation;
            Boolean converted = null;
            try (InFlightLimit.Permit permit = limit.acquire()) {
                if (type.startsWith("application/json")) {
                    InferRequest tensor = JsonInferCodec.read(bodies.stream(req), name, "");
                    if (tensor.inputs().size() != 1) {
                        throw ServingException.badRequest("explain takes exactly one input tensor, got " + tensor.inputs().size());
                    }
                    ExplainRequest request = request(name, fields, tensor.timeout());
                    explanation = explainer.explain(request, tensor.inputs().getFirst());
                } else {
                    byte[] image = image(req, contentType, type, fields, bodies);
                    ExplainRequest request = request(name, fields, null);
                    FashionMnistConverter.Converted c = images.convert(image, Preprocess.parse(fields.get("preprocess")));
                    explanation = explainer.explain(request, c.pixels());
                    converted = c.photo();
                }
            }
            if (wantsPng(req, fields.get("format"))) {
                return new Exchanges.Reply(PNG, HeatMapPng.render(explanation));
            }
            Boolean photo = converted;
            return new Exchanges.Reply(MediaTypes.APPLICATION_JSON, JsonInferCodec.Json.write(g -> write(g, explanation, photo)));
        });
    }

    /** The one image of the request; multipart form fields join {@code fields}. */
    private static byte[] image(ServerRequest req, String contentType, String type, Map<String, String> fields,
                                RequestBody bodies) {
        if (type.startsWith("image/") || type.startsWith("application/octet-stream")) {
            return bodies.bytes(req);
        }
        if (!type.startsWith("multipart/form-data")) {
            throw new ServingException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "send an image (image/png, image/jpeg, ...),"
                    + " multipart/form-data with one image, or an OIP JSON request, not '" + contentType + "'");
        }
        byte[] image = null;
        String boundary = Multipart.boundary(contentType); // refused before the body is read
        for (Multipart.Part part : Multipart.parse(bodies.bytes(req), boundary)) {
            if (PARAMETERS.contains(part.name())) {
                fields.put(part.name(), new String(part.content(), StandardCharsets.UTF_8).trim());
            } else if (image == null) {
                image = part.content();
            } else {
                throw ServingException.badRequest("explain takes one image; the form carries more");
            }
        }
        if (image == null) {
            throw ServingException.badRequest("no image in the request");
        }
        return image;
    }

    private static ExplainRequest request(String name, Map<String, String> fields, Duration tensorTimeout) {
        Duration timeout = fields.containsKey("timeout_ms")
                ? Duration.ofMillis(ClassifyHttpService.parsePositive("timeout_ms", fields.get("timeout_ms")))
                : tensorTimeout;
        return new ExplainRequest(name, fields.get("target"), positive(fields, "patch"), positive(fields, "stride"),
                fields.containsKey("top_k") ? ClassifyHttpService.parsePositive("top_k", fields.get("top_k"))
                        : ClassifyHttpService.DEFAULT_TOP_K, timeout);
    }

    private static Integer positive(Map<String, String> fields, String key) {
        return fields.containsKey(key) ? ClassifyHttpService.parsePositive(key, fields.get(key)) : null;
    }

    /** {@code format=png|json} decides; without it, {@code Accept} does (JSON unless PNG is preferred). */
    private static boolean wantsPng(ServerRequest req, String format) {
        if (format != null) {
            return switch (format.trim().toLowerCase(Locale.ROOT)) {
                case "png" -> true;
                case "json" -> false;
                default -> throw ServingException.badRequest("format must be json or png, not '" + format + "'");
            };
        }
        return req.headers().bestAccepted(MediaTypes.APPLICATION_JSON, PNG)
                .map(PNG::equals).orElse(false);
    }

    private static void write(JsonGenerator g, Explanation e, Boolean converted) throws IOException {
        int side = e.sweep().side();
        g.writeStartObject();
        g.writeStringField("model", e.model().name());
        g.writeStringField("version", e.model().version());
        g.writeArrayFieldStart("predictions");
        for (Prediction p : e.predictions()) {
            prediction(g, p);
        }
        g.writeEndArray();
        if (converted != null) {
            g.writeBooleanField("converted", converted);
        }
        g.writeFieldName("target");
        prediction(g, e.target());
        g.writeNumberField("patch", e.sweep().patch());
        g.writeNumberField("stride", e.sweep().stride());
        g.writeNumberField("variants", e.sweep().variants());
        g.writeNumberField("computed", e.computed());
        g.writeArrayFieldStart("input");
        for (int y = 0; y < side; y++) {
            g.writeStartArray();
            for (int x = 0; x < side; x++) {
                g.writeNumber(e.input()[y * side + x] & 0xFF);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("map");
        for (int y = 0; y < side; y++) {
            g.writeStartArray();
            for (int x = 0; x < side; x++) {
                g.writeNumber(e.map()[y * side + x]);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void prediction(JsonGenerator g, Prediction p) throws IOException {
        g.writeStartObject();
        g.writeStringField("label", p.label());
        g.writeNumberField("index", p.index());
        g.writeNumberField("probability", p.probability());
        g.writeEndObject();
    }
}
