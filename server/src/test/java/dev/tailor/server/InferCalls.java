package dev.tailor.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import io.grpc.StatusRuntimeException;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Inference calls of a test client, over REST and gRPC: each returns the {@code probabilities}
 * output of {@code n} 28×28 images, or throws {@link Failed} with what the server answered.
 */
final class InferCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestServer server;

    InferCalls(TestServer server) {
        this.server = server;
    }

    /** What the server answered instead of a result. */
    static final class Failed extends Exception {
        final int status;

        Failed(int status, String message) {
            super(status + ": " + message);
            this.status = status;
        }
    }

    /** Probabilities of {@code n} images over REST, from {@code version} of {@code model} (empty: latest). */
    float[] rest(String model, String version, float[] pixels, int n) throws Exception {
        HttpResponse<String> response = restResponse(model, version, pixels, n);
        if (response.statusCode() != 200) {
            throw new Failed(response.statusCode(), response.body());
        }
        for (JsonNode output : JSON.readTree(response.body()).get("outputs")) {
            if (output.get("name").asText().equals("probabilities")) {
                JsonNode data = output.get("data");
                float[] values = new float[data.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = data.get(i).floatValue();
                }
                return values;
            }
        }
        throw new AssertionError("no probabilities in " + response.body());
    }

    /** An Open Inference Protocol REST body: {@code n} 28×28 images as the one FP32 tensor {@code input}. */
    static ObjectNode restBody(float[] pixels, int n) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode input = body.putArray("inputs").addObject();
        input.put("name", "input").put("datatype", "FP32");
        input.putArray("shape").add(n).add(1).add(28).add(28);
        ArrayNode data = input.putArray("data");
        for (float v : pixels) {
            data.add(v);
        }
        return body;
    }

    /** The raw REST answer. */
    HttpResponse<String> restResponse(String model, String version, float[] pixels, int n) throws Exception {
        ObjectNode body = restBody(pixels, n);
        String path = "/v2/models/" + model + (version.isEmpty() ? "" : "/versions/" + version) + "/infer";
        return server.http().send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** An Open Inference Protocol gRPC request: {@code n} 28×28 images as the raw FP32 tensor {@code input}. */
    static ModelInferRequest grpcRequest(String model, float[] pixels, int n) {
        ByteBuffer raw = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(pixels);
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addAllShape(List.of((long) n, 1L, 28L, 28L)))
                .addRawInputContents(ByteString.copyFrom(raw.array())).build();
    }

    /** Probabilities of {@code n} images over gRPC (raw contents), from {@code version} of {@code model}. */
    float[] grpc(String model, String version, float[] pixels, int n) throws Failed {
        ModelInferRequest request = grpcRequest(model, pixels, n).toBuilder().setModelVersion(version).build();
        try {
            ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
                    .withDeadlineAfter(2, TimeUnit.MINUTES).modelInfer(request);
            for (int i = 0; i < response.getOutputsCount(); i++) {
                if (response.getOutputs(i).getName().equals("probabilities")) {
                    float[] values = new float[response.getRawOutputContents(i).size() / 4];
                    response.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer().get(values);
                    return values;
                }
            }
            throw new AssertionError("no probabilities in " + response);
        } catch (StatusRuntimeException e) {
            // the cause names a transport failure (an HTTP/2 protocol error the client saw, say)
            throw new Failed(e.getStatus().getCode().value(), e.getStatus().getCode() + " "
                    + e.getStatus().getDescription() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
        }
    }
}
