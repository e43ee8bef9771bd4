package dev.tailor.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.loadtest.grpc.GrpcChannels;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks, before any load is sent, that the target is an Open Inference Protocol server serving a
 * ready model that takes one Fashion-MNIST image as FP32 [1,1,28,28], and that its gRPC port
 * answers when a gRPC scenario will run. Learns the model's tensor names and the server's
 * protocol extensions on the way. Each failed check is one line ({@link LoadTestException}).
 */
public final class Preflight {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Preflight() {
    }

    /** What the checks learned: the target with the model's tensor names, and the server's extensions. */
    public record Result(Target target, List<String> extensions) {
        /** Whether the server says it speaks Triton's binary tensor extension. */
        public boolean binaryTensors() {
            return extensions.contains("binary_tensor_data");
        }
    }

    /** Runs the checks against {@code target} for {@code scenarios}. */
    public static Result check(Target target, List<Scenario> scenarios, TargetClient client) {
        TargetClient.Answer server = client.get("/v2", "application/json");
        if (server.status() != 200) {
            throw fail(target.baseUrl() + " answered " + server.status() + " to GET /v2: is it an Open Inference Protocol server?");
        }
        List<String> extensions = new ArrayList<>();
        json(server.body(), "/v2").path("extensions").forEach(e -> extensions.add(e.asText()));

        String path = "/v2/models/" + target.model();
        TargetClient.Answer model = client.get(path, "application/json");
        if (model.status() == 404) {
            throw fail("model '" + target.model() + "' is not served by " + target.baseUrl() + " (GET " + path + ": 404)");
        }
        if (model.status() != 200) {
            throw fail("GET " + path + " answered " + model.status() + ": " + oneLine(model.body()));
        }
        Target described = tensors(target, json(model.body(), path));

        TargetClient.Answer ready = client.get(path + "/ready", "application/json");
        if (ready.status() != 200) {
            throw fail("model '" + target.model() + "' is not ready on " + target.baseUrl() + " (GET " + path + "/ready: "
                    + ready.status() + ")");
        }
        if (scenarios.contains(Scenario.GRPC)) {
            grpcReady(described);
        }
        return new Result(described, List.copyOf(extensions));
    }

    private static Target tensors(Target target, JsonNode metadata) {
        JsonNode inputs = metadata.path("inputs");
        if (inputs.size() != 1) {
            throw fail("model '" + target.model() + "' takes " + inputs.size() + " inputs; the load test sends one image tensor");
        }
        JsonNode input = inputs.get(0);
        List<Long> shape = new ArrayList<>();
        input.path("shape").forEach(d -> shape.add(d.asLong()));
        boolean fits = "FP32".equals(input.path("datatype").asText()) && shape.size() == 4
                && shape.subList(1, 4).equals(List.of(1L, 28L, 28L)) && (shape.get(0) == -1 || shape.get(0) >= 1);
        if (!fits) {
            throw fail("model '" + target.model() + "' takes " + input.path("name").asText() + " " + input.path("datatype").asText()
                    + shape + "; the load test sends Fashion-MNIST images as FP32[1, 1, 28, 28]");
        }
        String output = null;
        for (JsonNode o : metadata.path("outputs")) {
            String name = o.path("name").asText();
            if (output == null || name.equals("probabilities")) {
                output = name;
            }
        }
        if (output == null) {
            throw fail("model '" + target.model() + "' declares no output");
        }
        return target.withTensors(input.path("name").asText(), output);
    }

    private static void grpcReady(Target target) {
        try (GrpcChannels channels = GrpcChannels.open(target)) {
            boolean ready = GRPCInferenceServiceGrpc.newBlockingStub(channels.any()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .modelReady(ModelReadyRequest.newBuilder().setName(target.model()).build()).getReady();
            if (!ready) {
                throw fail("model '" + target.model() + "' is not ready over gRPC at " + target.host() + ":" + target.grpcPort());
            }
        } catch (StatusRuntimeException e) {
            throw fail("gRPC at " + target.host() + ":" + target.grpcPort() + " does not answer ModelReady: "
                    + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " (" + oneLine(e.getStatus().getDescription()) + ")"));
        }
    }

    private static JsonNode json(String body, String path) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw fail("GET " + path + " did not answer JSON: " + oneLine(body));
        }
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").trim();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private static LoadTestException fail(String message) {
        return new LoadTestException(ExitStatus.TARGET, message);
    }
}
