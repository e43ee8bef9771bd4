package dev.tailor.server.grpc;

import dev.tailor.api.v1.ClassificationServiceGrpc;
import dev.tailor.api.v1.ClassifyRequest;
import dev.tailor.api.v1.ClassifyResponse;
import dev.tailor.api.v1.ExplainRequest;
import dev.tailor.api.v1.ExplainResponse;
import dev.tailor.api.v1.ImageResult;
import dev.tailor.api.v1.ListModelsRequest;
import dev.tailor.api.v1.ListModelsResponse;
import dev.tailor.api.v1.ModelInfo;
import dev.tailor.server.ServingException;
import dev.tailor.server.explain.Explainer;
import dev.tailor.server.explain.Explanation;
import dev.tailor.server.explain.HeatMapPng;
import dev.tailor.server.http.ClassifyHttpService;
import dev.tailor.server.image.FashionMnistConverter;
import dev.tailor.server.image.ImageClassifier;
import dev.tailor.server.image.Preprocess;
import dev.tailor.server.infer.Ensemble;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.Prediction;
import dev.tailor.server.serving.ModelStatus;
import dev.tailor.server.serving.ServedModel;
import io.grpc.stub.StreamObserver;

import com.google.protobuf.ByteString;

import java.util.List;

/**
 * {@code tailor.v1.ClassificationService}: the classify, explain and list-models API of the HTTP
 * {@code /v1} endpoints, over gRPC.
 */
public final class ClassificationGrpcService extends ClassificationServiceGrpc.ClassificationServiceImplBase {
    private final Inference inference;
    private final ImageClassifier classifier;
    private final Explainer explainer;
    private final GrpcCalls calls;

    /** Classifies with {@code classifier}, explains with {@code explainer}, finds models through {@code inference}. */
    public ClassificationGrpcService(Inference inference, ImageClassifier classifier, Explainer explainer,
                                     GrpcCalls calls) {
        this.inference = inference;
        this.classifier = classifier;
        this.explainer = explainer;
        this.calls = calls;
    }

    @Override
    public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> observer) {
        calls.unary("Classify", request.getModel(), observer, () -> {
            inference.checkAdmission(request.getModel(), ""); // 404 or 503 before decoding images meant for no model
            int topK = request.getTopK() == 0 ? ClassifyHttpService.DEFAULT_TOP_K : request.getTopK();
            List<byte[]> images = request.getImagesList().stream().map(ByteString::toByteArray).toList();
            ImageClassifier.Result result = classifier.classify(request.getModel(), images, topK,
                    Preprocess.parse(request.getPreprocess()), Deadlines.remaining());
            ClassifyResponse.Builder response = ClassifyResponse.newBuilder().setModel(result.model().name())
                    .setVersion(result.model().version());
            for (int i = 0; i < result.predictions().size(); i++) {
                ImageResult.Builder r = ImageResult.newBuilder().setConverted(result.converted().get(i));
                for (Prediction p : result.predictions().get(i)) {
                    r.addPredictions(prediction(p));
                }
                response.addResults(r);
            }
            return response.build();
        });
    }

    @Override
    public void explain(ExplainRequest request, StreamObserver<ExplainResponse> observer) {
        calls.unary("Explain", request.getModel(), observer, () -> {
            inference.checkAdmission(request.getModel(), ""); // 404 or 503 before decoding an image meant for no model or a full one
            FashionMnistConverter.Converted image = classifier.convert(request.getImage().toByteArray(),
                    Preprocess.parse(request.getPreprocess()));
            Explanation e = explainer.explain(new dev.tailor.server.explain.ExplainRequest(request.getModel(),
                    request.getTarget().isBlank() ? null : request.getTarget(),
                    request.getPatch() == 0 ? null : request.getPatch(),
                    request.getStride() == 0 ? null : request.getStride(),
                    request.getTopK() == 0 ? ClassifyHttpService.DEFAULT_TOP_K : request.getTopK(),
                    Deadlines.remaining()), image.pixels());
            ExplainResponse.Builder response = ExplainResponse.newBuilder().setModel(e.model().name())
                    .setVersion(e.model().version()).setTarget(prediction(e.target())).setConverted(image.photo())
                    .setPatch(e.sweep().patch()).setStride(e.sweep().stride()).setVariants(e.sweep().variants())
                    .setComputed(e.computed()).setInput(ByteString.copyFrom(e.input()));
            e.predictions().forEach(p -> response.addPredictions(prediction(p)));
            for (float v : e.map()) {
                response.addMap(v);
            }
            if (request.getPng()) {
                response.setPng(ByteString.copyFrom(HeatMapPng.render(e)));
            }
            return response.build();
        });
    }

    private static dev.tailor.api.v1.Prediction prediction(Prediction p) {
        return dev.tailor.api.v1.Prediction.newBuilder().setIndex(p.index()).setLabel(p.label())
                .setProbability(p.probability()).build();
    }

    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> observer) {
        calls.unary("ListModels", null, observer, () -> {
            ListModelsResponse.Builder response = ListModelsResponse.newBuilder();
            for (ModelStatus status : inference.repository().statuses()) {
                List<String> versions = inference.repository().versions(status.name());
                ModelInfo.Builder m = ModelInfo.newBuilder().setName(status.name())
                        .setVersion(status.version() == null ? "" : status.version())
                        .setReady(status.isReady()).setState(status.state().label())
                        .setReason(status.reason() == null ? "" : status.reason()).setFile(status.file())
                        .setIsDefault(status.isReady() && !versions.isEmpty()
                                && versions.getLast().equals(status.version()));
                ServedModel served = status.serving();
                if (served != null) {
                    var info = served.info();
                    m.setProvider(info.provider()).addAllLabels(info.labels()).setSha256(served.source().sha256())
                            .setLoadedAt(served.source().loadedAt().toString());
                    for (long d : info.input().shape()) {
                        m.addInputShape(d);
                    }
                }
                if (status.lastError() != null) {
                    m.setLastError(status.lastError().reason());
                }
                response.addModels(m);
            }
            inference.ensemble().ifPresent(ensemble -> {
                boolean ready = inference.isReady(ensemble.name(), "");
                ModelInfo.Builder m = ModelInfo.newBuilder().setName(ensemble.name()).setVersion(Ensemble.VERSION)
                        .setReady(ready).setState(ready ? "ready" : "unavailable").setIsDefault(ready)
                        .setFile("ensemble of " + String.join(", ", ensemble.members()));
                try {
                    var info = inference.describe(ensemble.name(), "");
                    m.setProvider(info.provider()).addAllLabels(info.labels());
                    for (long d : info.input().shape()) {
                        m.addInputShape(d);
                    }
                } catch (ServingException e) {
                    m.setReason(e.getMessage()); // a member missing or not ready
                }
                response.addModels(m);
            });
            return response.build();
        });
    }
}
