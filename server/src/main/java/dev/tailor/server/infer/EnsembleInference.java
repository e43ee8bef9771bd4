package dev.tailor.server.infer;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.batch.BatchResult;
import dev.tailor.server.model.ModelInfo;
import dev.tailor.server.model.TensorSpec;
import dev.tailor.server.serving.ModelRepository;
import dev.tailor.server.serving.ServedModel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Runs one {@link Ensemble}: holds the latest version of every member for the request, submits the
 * request to each member's batcher at once (so the members compute side by side and batch with
 * their own traffic), waits for all within the request's deadline, and answers with the mean of
 * their class probabilities. A member that is missing, not ready, or refuses the request fails it
 * with that member named; the other members' jobs are then withdrawn.
 */
final class EnsembleInference {
    /** The one output an ensemble has. */
    static final String OUTPUT = "probabilities";

    private final Ensemble ensemble;
    private final ModelRepository repository;

    EnsembleInference(Ensemble ensemble, ModelRepository repository) {
        this.ensemble = ensemble;
        this.repository = repository;
    }

    Ensemble definition() {
        return ensemble;
    }

    String name() {
        return ensemble.name();
    }

    /** What the ensemble is now, from its members' latest versions. */
    ModelInfo info() {
        List<ModelInfo> members = new ArrayList<>();
        for (String member : ensemble.members()) {
            members.add(member(() -> repository.find(member, "")).info());
        }
        return info(members);
    }

    /** Whether every member serves. */
    boolean isReady() {
        for (String member : ensemble.members()) {
            if (!repository.knows(member) || !repository.isReady(member, "")) {
                return false;
            }
        }
        return true;
    }

    /** Throws OVERLOADED when a member's batcher has no room for one more image now. */
    void checkAdmission() {
        for (String member : ensemble.members()) {
            ServedModel served = member(() -> repository.find(member, ""));
            member(member, () -> {
                served.batcher().checkAdmission(1);
                return null;
            });
        }
    }

    /** The smallest queue capacity of the members: no request may carry more images than that. */
    int queueCapacity() {
        int capacity = Integer.MAX_VALUE;
        for (String member : ensemble.members()) {
            capacity = Math.min(capacity, member(() -> repository.find(member, "")).batcher().settings().queueCapacity());
        }
        return capacity;
    }

    InferResponse infer(InferRequest request, long deadline, Duration wait) {
        try (Members members = new Members()) {
            ModelInfo info = info(members.infos());
            TensorSpec input = members.infos().getFirst().input();
            for (ModelInfo member : members.infos()) {
                if (!member.input().equals(input) || member.inputScale() != members.infos().getFirst().inputScale()) {
                    throw ServingException.badRequest("ensemble '" + name() + "' cannot take tensors: its members'"
                            + " inputs differ (" + describeInputs(members.infos()) + "); classify images instead, or"
                            + " ask a member");
                }
            }
            TensorInput tensor = Inference.singleInput(info, request);
            int items = Inference.checkInput(input, tensor);
            List<OutputRequest> wanted = Inference.wantedOutputs(info, request);
            List<float[]> inputs = new ArrayList<>();
            members.uses().forEach(use -> inputs.add(tensor.data()));
            float[] mean = meanProbabilities(members, inputs, items, deadline, wait);
            return Inference.respond(info, request, wanted, items, Map.of(OUTPUT, mean));
        }
    }

    Inference.Classification classify(byte[] pixels, int count, int topK, long deadline, Duration wait) {
        try (Members members = new Members()) {
            ModelInfo info = info(members.infos());
            int classes = info.labels().size();
            if (topK < 1 || topK > classes) {
                throw ServingException.badRequest("top_k must be between 1 and " + classes + ", got " + topK);
            }
            List<float[]> inputs = new ArrayList<>();
            for (ModelInfo member : members.infos()) { // each member scaled as its own metadata says
                inputs.add(Inference.scaled(pixels, member.inputScale()));
            }
            return Inference.classification(info, meanProbabilities(members, inputs, count, deadline, wait), count, topK);
        }
    }

    /** Submits to every member first, then waits for each: the members run side by side. */
    private float[] meanProbabilities(Members members, List<float[]> inputs, int items, long deadline, Duration wait) {
        List<CompletableFuture<BatchResult>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < members.uses().size(); i++) {
                ServedModel.Use use = members.uses().get(i);
                float[] input = inputs.get(i);
                futures.add(member(use.info().name(), () -> use.served().batcher().submit(input, items, deadline)));
            }
            float[] sum = null;
            for (int i = 0; i < futures.size(); i++) {
                ModelInfo member = members.infos().get(i);
                int index = i;
                BatchResult result = member(member.name(), () -> Inference.await(futures.get(index), deadline, wait));
                float[] probabilities = result.outputs().get(Inference.probabilityOutput(member));
                if (sum == null) {
                    sum = probabilities.clone();
                } else {
                    for (int j = 0; j < sum.length; j++) {
                        sum[j] += probabilities[j];
                    }
                }
            }
            for (int j = 0; j < sum.length; j++) {
                sum[j] /= futures.size();
            }
            return sum;
        } finally {
            futures.forEach(f -> f.cancel(false)); // a member that failed: the others' queued jobs are withdrawn
        }
    }

    /** The ensemble's own description, from its members' (which must share their labels). */
    private ModelInfo info(List<ModelInfo> members) {
        ModelInfo first = members.getFirst();
        for (ModelInfo member : members) {
            if (!member.labels().equals(first.labels())) {
                throw new ServingException(ErrorKind.UNAVAILABLE, "ensemble '" + name() + "' is not ready: its members'"
                        + " labels differ ('" + first.name() + "' has " + first.labels() + ", '" + member.name() + "' has "
                        + member.labels() + ")");
            }
        }
        long[] probabilitiesShape = {-1, first.labels().size()};
        String memberList = members.stream().map(m -> m.name() + ":" + m.version()).collect(Collectors.joining(","));
        return new ModelInfo(name(), Ensemble.VERSION,
                "Mean of the class probabilities of " + members.stream().map(m -> m.name() + " (version " + m.version()
                        + ")").collect(Collectors.joining(", ")),
                first.input(), List.of(new TensorSpec(OUTPUT, "FP32", probabilitiesShape)), first.labels(),
                first.inputScale(), members.stream().map(ModelInfo::provider).distinct().collect(Collectors.joining(",")),
                Map.of("ensemble_members", memberList));
    }

    private static String describeInputs(List<ModelInfo> members) {
        return members.stream().map(m -> m.name() + " " + m.input() + " x" + m.inputScale())
                .collect(Collectors.joining(", "));
    }

    /** Runs {@code call} for one member, naming the ensemble and the member in whatever it throws. */
    private <T> T member(String member, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ServingException e) {
            throw new ServingException(e.kind(), "ensemble '" + name() + "', member '" + member + "': " + e.getMessage());
        }
    }

    /** Looks a member up: one that is missing or not ready makes the ensemble (which exists) unavailable. */
    private <T> T member(java.util.function.Supplier<T> lookup) {
        try {
            return lookup.get();
        } catch (ServingException e) {
            ErrorKind kind = e.kind() == ErrorKind.NOT_FOUND ? ErrorKind.UNAVAILABLE : e.kind(); // the ensemble exists
            throw new ServingException(kind, "ensemble '" + name() + "' is not ready: " + e.getMessage());
        }
    }

    /** The members' latest versions, held for one request. */
    private final class Members implements AutoCloseable {
        private final List<ServedModel.Use> uses = new ArrayList<>();
        private final List<ModelInfo> infos = new ArrayList<>();

        Members() {
            try {
                for (String member : ensemble.members()) {
                    ServedModel.Use use = member(() -> repository.acquire(member, ""));
                    uses.add(use);
                    infos.add(use.info());
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        List<ServedModel.Use> uses() {
            return uses;
        }

        List<ModelInfo> infos() {
            return infos;
        }

        @Override
        public void close() {
            uses.forEach(ServedModel.Use::close);
        }
    }
}
