package dev.tailor.server.http;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.InFlightLimit;
import dev.tailor.server.ServingException;
import dev.tailor.server.batch.BatchSettings;
import dev.tailor.server.image.ImageClassifier;
import dev.tailor.server.image.Preprocess;
import dev.tailor.server.infer.Ensemble;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.Prediction;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.serving.ModelStatus;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The simple API for backends that send product images, not tensors:
 * {@code POST /v1/models/{name}/classify} (an image body, or {@code multipart/form-data} with
 * several) answers the top-K labels per image; {@code GET /v1/models} lists the loaded models.
 */
public final class ClassifyHttpService implements HttpService {
    /** Classes returned when the request does not say. */
    public static final int DEFAULT_TOP_K = 5;

    private final Inference inference;
    private final ImageClassifier classifier;
    private final Exchanges exchanges;
    private final RequestBody bodies;
    private final InFlightLimit limit;

    /**
     * Classifies with {@code classifier}, finds models through {@code inference}; bodies of at most
     * {@code maxPayloadBytes}; each classify call holds a place of {@code limit}.
     */
    public ClassifyHttpService(Inference inference, ImageClassifier classifier, Exchanges exchanges,
                               long maxPayloadBytes, InFlightLimit limit) {
        this.inference = inference;
        this.classifier = classifier;
        this.exchanges = exchanges;
        this.bodies = new RequestBody(maxPayloadBytes);
        this.limit = limit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/models", this::list)
                .post("/v1/models/{name}/classify", this::classify);
    }

    private void list(ServerRequest req, ServerResponse res) {
        exchanges.serve(req, res, null, () -> JsonInferCodec.Json.write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("models");
            for (ModelStatus status : inference.repository().statuses()) {
                g.writeStartObject();
                g.writeStringField("name", status.name());
                if (status.version() != null) {
                    g.writeStringField("version", status.version());
                }
                g.writeBooleanField("ready", status.isReady());
                List<String> versions = inference.repository().versions(status.name());
                g.writeBooleanField("default", status.isReady() && !versions.isEmpty()
                        && versions.getLast().equals(status.version()));
                StatusJson.write(g, status, true);
                if (status.serving() != null) {
                    ModelInfo info = status.serving().info();
                    g.writeStringField("description", info.description());
                    g.writeFieldName("input_shape");
                    long[] shape = info.input().shape();
                    g.writeArray(shape, 0, shape.length);
                    g.writeArrayFieldStart("labels");
                    for (String label : info.labels()) {
                        g.writeString(label);
                    }
                    g.writeEndArray();
                    BatchSettings batching = status.serving().batcher().settings();
                    g.writeObjectFieldStart("batching");
                    g.writeNumberField("max_batch_size", batching.maxBatchSize());
                    g.writeNumberField("max_queue_delay_us", batching.maxQueueDelay().toNanos() / 1000);
                    g.writeNumberField("queue_capacity", batching.queueCapacity());
                    g.writeNumberField("max_concurrent_batches", batching.maxConcurrentBatches());
                    g.writeNumberField("max_queue_wait_ms", batching.maxQueueWait().toMillis());
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            if (inference.ensemble().isPresent()) {
                writeEnsemble(g, inference.ensemble().get());
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    /** The ensemble's entry: ready when every member serves; its members instead of a file. */
    private void writeEnsemble(com.fasterxml.jackson.core.JsonGenerator g, Ensemble ensemble) throws java.io.IOException {
        g.writeStartObject();
        g.writeStringField("name", ensemble.name());
        g.writeStringField("version", Ensemble.VERSION);
        boolean ready = inference.isReady(ensemble.name(), "");
        g.writeBooleanField("ready", ready);
        g.writeBooleanField("default", ready);
        g.writeStringField("state", ready ? "ready" : "unavailable");
        g.writeArrayFieldStart("members");
        for (String member : ensemble.members()) {
            g.writeString(member);
        }
        g.writeEndArray();
        try {
            ModelInfo info = inference.describe(ensemble.name(), "");
            g.writeStringField("description", info.description());
            g.writeArrayFieldStart("labels");
            for (String label : info.labels()) {
                g.writeString(label);
            }
            g.writeEndArray();
        } catch (ServingException e) {
            g.writeStringField("reason", e.getMessage()); // a member missing or not ready
        }
        g.writeEndObject();
    }

    private void classify(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        exchanges.serve(req, res, name, () -> {
            inference.checkAdmission(name, ""); // 404 or 503 before reading a body meant for no model or a full one
            String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").trim();
            String type = contentType.toLowerCase(Locale.ROOT);
            int topK = intParameter(req, "top_k", DEFAULT_TOP_K);
            Preprocess mode = Preprocess.parse(req.query().first("preprocess").asOptional().orElse(null));
            Duration timeout = req.query().first("timeout_ms").asOptional().map(ClassifyHttpService::timeout)
                    .orElse(null);
            List<byte[]> images = new ArrayList<>();
            try (InFlightLimit.Permit permit = limit.acquire()) {
                if (type.startsWith("multipart/form-data")) {
                    String boundary = Multipart.boundary(contentType); // refused before the body is read
                    for (Multipart.Part part : Multipart.parse(bodies.bytes(req), boundary)) {
                        switch (part.name()) {
                            case "top_k" -> topK = parsePositive("top_k", new String(part.content()).trim());
                            case "preprocess" -> mode = Preprocess.parse(new String(part.content()).trim());
                            default -> images.add(part.content());
                        }
                    }
                } else if (type.startsWith("image/") || type.startsWith("application/octet-stream")) {
                    images.add(bodies.bytes(req));
                } else {
                    throw new ServingException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "send an image (image/png,"
                            + " image/jpeg, ...) or multipart/form-data with images, not '" + contentType + "'");
                }
                return answer(classifier.classify(name, images, topK, mode, timeout));
            }
        });
    }

    private static byte[] answer(ImageClassifier.Result result) {
        return JsonInferCodec.Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("model", result.model().name());
            g.writeStringField("version", result.model().version());
            g.writeArrayFieldStart("results");
            for (int i = 0; i < result.predictions().size(); i++) {
                g.writeStartObject();
                g.writeArrayFieldStart("predictions");
                for (Prediction p : result.predictions().get(i)) {
                    g.writeStartObject();
                    g.writeStringField("label", p.label());
                    g.writeNumberField("index", p.index());
                    g.writeNumberField("probability", p.probability());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeBooleanField("converted", result.converted().get(i));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** {@code timeout_ms}: a positive number of milliseconds up to {@link Inference#MAX_TIMEOUT}. */
    private static Duration timeout(String value) {
        Duration timeout = Duration.ofMillis(parsePositive("timeout_ms", value));
        if (timeout.compareTo(Inference.MAX_TIMEOUT) > 0) {
            throw ServingException.badRequest("timeout_ms must be at most " + Inference.MAX_TIMEOUT.toMillis() + " ("
                    + Inference.MAX_TIMEOUT.toHours() + " h)");
        }
        return timeout;
    }

    static int intParameter(ServerRequest req, String name, int fallback) {
        Optional<String> value = req.query().first(name).asOptional();
        return value.map(v -> parsePositive(name, v)).orElse(fallback);
    }

    static int parsePositive(String name, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ServingException.badRequest(name + " must be a positive integer, not '" + value + "'");
    }
}
