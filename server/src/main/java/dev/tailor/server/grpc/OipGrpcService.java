package dev.tailor.server.grpc;

import com.google.protobuf.ByteString;
import dev.tailor.server.ServingException;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.InferParameter;
import dev.tailor.api.oip.GrpcPredictV2.InferTensorContents;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelMetadataResponse;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelReadyResponse;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryIndexRequest;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryIndexResponse;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryModelLoadRequest;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryModelLoadResponse;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryModelUnloadRequest;
import dev.tailor.api.oip.GrpcPredictV2.RepositoryModelUnloadResponse;
import dev.tailor.api.oip.GrpcPredictV2.ServerLiveRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerLiveResponse;
import dev.tailor.api.oip.GrpcPredictV2.ServerMetadataRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerMetadataResponse;
import dev.tailor.api.oip.GrpcPredictV2.ServerReadyRequest;
import dev.tailor.api.oip.GrpcPredictV2.ServerReadyResponse;
import dev.tailor.server.http.OipHttpService;
import dev.tailor.server.infer.InferRequest;
import dev.tailor.server.infer.InferResponse;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.OutputRequest;
import dev.tailor.server.infer.TensorInput;
import dev.tailor.server.infer.TensorOutput;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.TensorSpec;
import dev.tailor.server.serving.RepositoryApi;
import dev.tailor.server.serving.ServedModel;
import io.grpc.stub.StreamObserver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Open Inference Protocol gRPC service ({@code inference.GRPCInferenceService}): every RPC of
 * the specification, FP32 input as {@code raw_input_contents} or typed {@code contents}, and
 * Triton's model-repository RPCs. Answers in the form it was asked: raw in, raw out (as Triton
 * does); typed in, typed out.
 */
public final class OipGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private final Inference inference;
    private final RepositoryApi repository;
    private final GrpcCalls calls;

    /** Serves {@code inference}'s models, and the model-repository RPCs through {@code repository}. */
    public OipGrpcService(Inference inference, RepositoryApi repository, GrpcCalls calls) {
        this.inference = inference;
        this.repository = repository;
        this.calls = calls;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
        calls.unary("ServerLive", null, observer, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> observer) {
        calls.unary("ServerReady", null, observer,
                () -> ServerReadyResponse.newBuilder().setReady(inference.repository().isReady()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
        calls.unary("ModelReady", request.getName(), observer, () -> ModelReadyResponse.newBuilder()
                .setReady(inference.isReady(request.getName(), request.getVersion())).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> observer) {
        calls.unary("ServerMetadata", null, observer, () -> ServerMetadataResponse.newBuilder()
                .setName(OipHttpService.SERVER_NAME).setVersion(OipHttpService.SERVER_VERSION)
                .addAllExtensions(OipHttpService.EXTENSIONS).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> observer) {
        calls.unary("ModelMetadata", request.getName(), observer, () -> {
            if (inference.isEnsemble(request.getName())) {
                ModelInfo info = inference.describe(request.getName(), request.getVersion());
                ModelMetadataResponse.Builder response = ModelMetadataResponse.newBuilder().setName(info.name())
                        .addVersions(info.version()).setPlatform(OipHttpService.PLATFORM).addInputs(tensor(info.input()));
                info.outputs().forEach(o -> response.addOutputs(tensor(o)));
                response.putParameters("version", string(info.version()));
                response.putParameters("provider", string(info.provider()));
                response.putParameters("description", string(info.description()));
                info.metadata().forEach((k, v) -> response.putParameters(k, string(v)));
                return response.build();
            }
            ServedModel served = inference.model(request.getName(), request.getVersion());
            ModelInfo info = served.info();
            List<String> versions = inference.repository().versions(info.name());
            ModelMetadataResponse.Builder response = ModelMetadataResponse.newBuilder().setName(info.name())
                    .addAllVersions(versions.isEmpty() ? List.of(info.version()) : versions)
                    .setPlatform(OipHttpService.PLATFORM)
                    .addInputs(tensor(info.input()));
            info.outputs().forEach(o -> response.addOutputs(tensor(o)));
            response.putParameters("version", string(info.version()));
            response.putParameters("provider", string(info.provider()));
            inference.repository().statuses(info.name()).stream().filter(s -> s.serving() == served).findFirst()
                    .ifPresent(status -> {
                        response.putParameters("state", string(status.state().label()));
                        response.putParameters("file", string(status.file()));
                        response.putParameters("sha256", string(served.source().sha256()));
                        response.putParameters("loaded_at", string(served.source().loadedAt().toString()));
                        if (status.lastError() != null) {
                            response.putParameters("last_error", string(status.lastError().reason()));
                            response.putParameters("last_error_at", string(status.lastError().at().toString()));
                        }
                    });
            return response.build();
        });
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> observer) {
        calls.unary("RepositoryIndex", null, observer, () -> {
            repositoryName(request.getRepositoryName());
            RepositoryIndexResponse.Builder response = RepositoryIndexResponse.newBuilder();
            for (RepositoryApi.IndexEntry entry : repository.index(AuthorizationHeader.current(), request.getReady())) {
                response.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(entry.name())
                        .setVersion(entry.version()).setState(entry.state()).setReason(entry.reason()));
            }
            return response.build();
        });
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
                                    StreamObserver<RepositoryModelLoadResponse> observer) {
        calls.unary("RepositoryModelLoad", request.getModelName(), observer, () -> {
            repositoryName(request.getRepositoryName());
            repository.load(AuthorizationHeader.current(), request.getModelName(), request.getParametersMap().keySet());
            return RepositoryModelLoadResponse.getDefaultInstance();
        });
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
                                      StreamObserver<RepositoryModelUnloadResponse> observer) {
        calls.unary("RepositoryModelUnload", request.getModelName(), observer, () -> {
            repositoryName(request.getRepositoryName());
            repository.unload(AuthorizationHeader.current(), request.getModelName(),
                    request.getParametersMap().keySet());
            return RepositoryModelUnloadResponse.getDefaultInstance();
        });
    }

    /** Checks the caller's token, then the repository name: this server has one, so empty (all) is the only name. */
    private void repositoryName(String name) {
        repository.authorize(AuthorizationHeader.current());
        if (!name.isEmpty()) {
            throw ServingException.notFound("unknown repository '" + name + "': this server has one; leave"
                    + " repository_name empty");
        }
    }

    private static InferParameter string(String value) {
        return InferParameter.newBuilder().setStringParam(value).build();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
        calls.unary("ModelInfer", request.getModelName(), observer, () -> {
            inference.checkAdmission(request.getModelName(), request.getModelVersion()); // 404 or 503 before decoding the tensors
            boolean raw = request.getRawInputContentsCount() > 0;
            InferResponse response = inference.infer(new InferRequest(request.getModelName(),
                    request.getModelVersion(), request.getId(), inputs(request, raw), outputs(request),
                    Deadlines.remaining()));
            return toProto(response, raw);
        });
    }

    private static ModelMetadataResponse.TensorMetadata tensor(TensorSpec spec) {
        ModelMetadataResponse.TensorMetadata.Builder t = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(spec.name()).setDatatype(spec.datatype());
        for (long d : spec.shape()) {
            t.addShape(d);
        }
        return t.build();
    }

    private static List<TensorInput> inputs(ModelInferRequest request, boolean raw) {
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw ServingException.badRequest("raw_input_contents has " + request.getRawInputContentsCount()
                    + " entries for " + request.getInputsCount() + " inputs; it needs one per input");
        }
        List<TensorInput> inputs = new ArrayList<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor input = request.getInputs(i);
            long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
            float[] data;
            if (raw) {
                if (input.hasContents()) {
                    throw ServingException.badRequest("input '" + input.getName()
                            + "' has 'contents' although raw_input_contents is used; use one or the other");
                }
                data = rawFloats(input, request.getRawInputContents(i));
            } else {
                data = typedFloats(input);
            }
            inputs.add(new TensorInput(input.getName(), input.getDatatype(), shape, data));
        }
        return inputs;
    }

    private static float[] rawFloats(ModelInferRequest.InferInputTensor input, ByteString bytes) {
        if (!"FP32".equals(input.getDatatype())) {
            return new float[0]; // the datatype check reports it
        }
        if (bytes.size() % Float.BYTES != 0) {
            throw ServingException.badRequest("raw_input_contents for '" + input.getName() + "' has " + bytes.size()
                    + " bytes, not a multiple of 4 (FP32)");
        }
        float[] data = new float[bytes.size() / Float.BYTES];
        bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return data;
    }

    private static float[] typedFloats(ModelInferRequest.InferInputTensor input) {
        InferTensorContents contents = input.getContents();
        if ("FP32".equals(input.getDatatype())) {
            int others = contents.getBoolContentsCount() + contents.getIntContentsCount()
                    + contents.getInt64ContentsCount() + contents.getUintContentsCount()
                    + contents.getUint64ContentsCount() + contents.getFp64ContentsCount()
                    + contents.getBytesContentsCount();
            if (others > 0) {
                throw ServingException.badRequest("FP32 input '" + input.getName() + "' must use fp32_contents");
            }
        }
        float[] data = new float[contents.getFp32ContentsCount()];
        for (int i = 0; i < data.length; i++) {
            data[i] = contents.getFp32Contents(i);
        }
        return data;
    }

    private static List<OutputRequest> outputs(ModelInferRequest request) {
        List<OutputRequest> outputs = new ArrayList<>();
        for (ModelInferRequest.InferRequestedOutputTensor out : request.getOutputsList()) {
            int k = 0;
            InferParameter p = out.getParametersMap().get("classification");
            if (p != null) {
                k = switch (p.getParameterChoiceCase()) {
                    case INT64_PARAM -> Math.toIntExact(Math.min(Integer.MAX_VALUE, p.getInt64Param()));
                    case UINT64_PARAM -> Math.toIntExact(Math.min(Integer.MAX_VALUE, p.getUint64Param()));
                    default -> throw ServingException.badRequest("'classification' must be an integer parameter");
                };
                if (k < 1) {
                    throw ServingException.badRequest("'classification' must be at least 1");
                }
            }
            outputs.add(new OutputRequest(out.getName(), k));
        }
        return outputs;
    }

    private static ModelInferResponse toProto(InferResponse response, boolean raw) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(response.model())
                .setModelVersion(response.version()).setId(response.id());
        for (TensorOutput out : response.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(out.name()).setDatatype(out.datatype());
            for (long d : out.shape()) {
                t.addShape(d);
            }
            if (raw) {
                b.addRawOutputContents(out.strings() != null ? rawStrings(out.strings()) : rawFloats(out.data()));
            } else {
                InferTensorContents.Builder c = InferTensorContents.newBuilder();
                if (out.strings() != null) {
                    out.strings().forEach(s -> c.addBytesContents(ByteString.copyFromUtf8(s)));
                } else {
                    for (float v : out.data()) {
                        c.addFp32Contents(v);
                    }
                }
                t.setContents(c);
            }
            b.addOutputs(t);
        }
        return b.build();
    }

    private static ByteString rawFloats(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return ByteString.copyFrom(buffer.array());
    }

    /** BYTES elements in raw form: each a 4-byte little-endian length, then its bytes (Triton's layout). */
    private static ByteString rawStrings(List<String> strings) {
        ByteString.Output out = ByteString.newOutput();
        for (String s : strings) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length);
            out.write(length.array(), 0, 4);
            out.write(bytes, 0, bytes.length);
        }
        return out.toByteString();
    }
}
