package dev.tailor.trainer.train;

import dev.tailor.trainer.model.Weights;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam over named parameters, driven by the trainer rather than by {@code SameDiff.fit()}, so its
 * state (first and second moments), learning rate and step count are ours to checkpoint and
 * restore exactly. Uses ND4J's own Adam updater for the arithmetic. With a weight decay it is
 * AdamW: the named decayed parameters are first multiplied by {@code 1 − lr · decay}, apart from
 * the gradient's Adam scaling (as PyTorch's {@code AdamW} does it).
 */
public final class AdamOptimizer {
    private static final String M = "M";
    private static final String V = "V";
    private final Adam adam;
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final double weightDecay;
    private final Set<String> decayed;

    /** Fresh, zero-moment state for each array in {@code params} (only their sizes are read); no weight decay. */
    public AdamOptimizer(double learningRate, Map<String, INDArray> params) {
        this(learningRate, params, 0, Set.of());
    }

    /**
     * As {@link #AdamOptimizer(double, Map)}, with decoupled weight decay {@code weightDecay} (0 = none)
     * on the parameters named in {@code decayed}, which must all be in {@code params}.
     */
    public AdamOptimizer(double learningRate, Map<String, INDArray> params, double weightDecay, Set<String> decayed) {
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("weight decay must lie in [0, 1), got " + weightDecay);
        }
        for (String name : decayed) {
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException("no parameter '" + name + "' to decay");
            }
        }
        this.weightDecay = weightDecay;
        this.decayed = Set.copyOf(decayed);
        this.adam = new Adam(learningRate);
        params.forEach((name, array) -> updaters.put(name,
                adam.instantiate(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 2 * array.length()), true)));
    }

    /** Restores the moments saved by {@link #state()} (a resumed run continues, not restarts, Adam). */
    public void restore(Weights state) {
        updaters.forEach((name, u) -> {
            Map<String, INDArray> s = u.getState();
            s.get(M).assign(state.get(name + "/" + M).reshape(s.get(M).shape()));
            s.get(V).assign(state.get(name + "/" + V).reshape(s.get(V).shape()));
        });
    }

    /** Copies of the moments, named "param/M" and "param/V". */
    public Weights state() {
        Weights w = new Weights();
        updaters.forEach((name, u) -> u.getState().forEach((k, v) -> w.put(name + "/" + k, v.dup())));
        return w;
    }

    public double learningRate() {
        return adam.getLearningRate();
    }

    /** Changes the learning rate of every parameter (all updaters share one Adam config). */
    public void setLearningRate(double lr) {
        adam.setLearningRate(lr);
    }

    /**
     * One Adam step: turns each gradient into an update in place and subtracts it from the
     * parameter, after the weight decay if any. {@code iteration} is the global step count (Adam's
     * bias correction needs it).
     */
    public void step(Map<String, INDArray> params, Map<String, INDArray> gradients, int iteration, int epoch) {
        double shrink = 1 - adam.getLearningRate() * weightDecay;
        for (Map.Entry<String, GradientUpdater<?>> e : updaters.entrySet()) {
            INDArray param = params.get(e.getKey());
            if (weightDecay > 0 && decayed.contains(e.getKey())) {
                param.muli(shrink);
            }
            INDArray grad = gradients.get(e.getKey());
            if (grad == null) {
                throw new IllegalStateException("no gradient for " + e.getKey());
            }
            // the updater works on a row vector and overwrites it with the update: a contiguous gradient
            // (the usual case) is reshaped in place, anything else copied first
            INDArray flat = (grad.isView() || grad.ordering() != 'c' ? grad.dup('c') : grad).reshape(1, grad.length());
            e.getValue().applyUpdater(flat, iteration, epoch);
            param.subi(flat.reshape(param.shape()));
        }
    }
}
