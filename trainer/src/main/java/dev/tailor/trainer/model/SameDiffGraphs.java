package dev.tailor.trainer.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/**
 * Builds SameDiff graphs from a {@link ModelDef}. Two forms, because SameDiff M2.1 has no
 * train/inference switch:
 * <ul>
 * <li>training: batch norm composed from primitive ops on the batch moments (the fused op's
 * backward pass is broken in M2.1), whose moments are exposed as outputs so the trainer can keep
 * running statistics; dropout as a multiplication by a mask fed as a placeholder (the dropout ops
 * have no gradient and reuse one RNG state); a weighted, label-smoothable softmax cross-entropy
 * plus L2 on kernels only;</li>
 * <li>inference: batch norm on the running statistics, no dropout, softmax probabilities.</li>
 * </ul>
 */
public final class SameDiffGraphs {
    /** One-hot (possibly smoothed) labels placeholder, [N,10]. */
    public static final String LABEL = "label";
    /** Per-example loss weights placeholder (class weights), [N]. */
    public static final String SAMPLE_WEIGHT = "sample_weight";
    /** Total loss: weighted cross-entropy + L2. */
    public static final String LOSS = "loss";
    /** Weighted cross-entropy without L2. */
    public static final String DATA_LOSS = "data_loss";

    private SameDiffGraphs() {
    }

    /**
     * Placeholder name of the all-zero array, shaped like {@code shape} (without the batch
     * dimension), through which batch norm broadcasts its per-channel scale: see
     * {@link #broadcastZeros(ModelDef)}.
     */
    public static String zerosName(int[] shape) {
        StringBuilder name = new StringBuilder("zeros");
        for (int d : shape) {
            name.append('_').append(d);
        }
        return name.toString();
    }

    /**
     * The zero-filled placeholders the training graph takes, by name, with their shapes (without the
     * batch dimension): one per distinct batch-norm output shape. Feed each as a zero array of
     * [batch, shape...]; it is only read, never written, so the same array serves every step.
     */
    public static Map<String, int[]> broadcastZeros(ModelDef def) {
        Map<String, int[]> zeros = new LinkedHashMap<>();
        for (Node bn : def.batchNormNodes()) {
            zeros.putIfAbsent(zerosName(bn.outShape()), bn.outShape());
        }
        return zeros;
    }

    /** Placeholder name of a dropout node's mask. */
    public static String maskName(Node dropout) {
        return dropout.name() + "_mask";
    }

    /** Output name of a batch-norm node's batch mean in the training graph. */
    public static String batchMeanName(Node bn) {
        return bn.name() + "_batch_mean";
    }

    /** Output name of a batch-norm node's (biased) batch variance in the training graph. */
    public static String batchVarName(Node bn) {
        return bn.name() + "_batch_var";
    }

    /** The training graph; trainable parameters are variables holding {@code weights}' arrays. */
    public static SameDiff training(ModelDef def, Weights weights, double l2) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = buildForward(sd, def, weights, true);
        SDVariable logits = vars.get(def.logits());
        SDVariable label = sd.placeHolder(LABEL, DataType.FLOAT, -1, def.shapeOf(def.logits())[0]);
        SDVariable weight = sd.placeHolder(SAMPLE_WEIGHT, DataType.FLOAT, -1);
        // log-softmax via the max-shifted log-sum-exp: every op here has a working gradient
        SDVariable shifted = logits.sub(logits.max(true, 1));
        SDVariable logProbs = shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
        SDVariable crossEntropy = label.mul(logProbs).sum(1).neg();
        SDVariable dataLoss = crossEntropy.mul(weight).mean(DATA_LOSS);
        SDVariable penalty = null;
        for (String kernel : def.kernelNames()) {
            SDVariable w = sd.getVariable(kernel);
            SDVariable sq = w.mul(w).sum();
            penalty = penalty == null ? sq : penalty.add(sq);
        }
        SDVariable loss = penalty == null || l2 == 0 ? dataLoss.add(LOSS, 0.0) : dataLoss.add(LOSS, penalty.mul(l2));
        sd.setLossVariables(loss);
        QuietGradients.createGradFunction(sd);
        return sd;
    }

    /** The training graph's trainable parameter arrays by name, in definition order (updated in place by training). */
    public static Map<String, INDArray> trainableArrays(ModelDef def, SameDiff training) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (Param p : def.params()) {
            if (p.role().trainable()) {
                arrays.put(p.name(), training.getArrForVarName(p.name()));
            }
        }
        return arrays;
    }

    /** The inference graph: input "input" [N,1,28,28] to {@code def.probabilities()} [N,10]. */
    public static SameDiff inference(ModelDef def, Weights weights) {
        SameDiff sd = SameDiff.create();
        buildForward(sd, def, weights, false);
        return sd;
    }

    /**
     * Frees the arrays an inference graph made for itself (SameDiff copies every variable's array
     * when the graph is built), leaving alone any that share memory with {@code weights}: an
     * evaluation per epoch would otherwise leave a model's worth of copies to the garbage collector.
     * The graph must not run afterwards.
     */
    public static void free(SameDiff inference, Weights weights) {
        java.util.Set<Long> kept = new java.util.HashSet<>();
        weights.asMap().values().forEach(a -> kept.add(a.data().addressPointer().address()));
        for (SDVariable v : inference.variables()) {
            INDArray a = v.getArr();
            if (a != null && !a.wasClosed() && a.closeable() && !kept.contains(a.data().addressPointer().address())) {
                a.close();
            }
        }
    }

    private static Map<String, SDVariable> buildForward(SameDiff sd, ModelDef def, Weights w, boolean training) {
        w.checkMatches(def);
        Map<String, SDVariable> out = new HashMap<>();
        int[] in = def.inputShape();
        out.put(def.input(), sd.placeHolder(def.input(), DataType.FLOAT, -1, in[0], in[1], in[2]));
        for (Node node : def.nodes()) {
            List<String> inputs = node.inputs();
            SDVariable x = out.get(inputs.get(0));
            String n = node.name();
            SDVariable y = switch (node.layer()) {
                case Layer.Conv c -> sd.cnn().conv2d(n, x, param(sd, w, n + ModelDef.KERNEL), param(sd, w, n + ModelDef.BIAS),
                        Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(c.stride()).sW(c.stride())
                                .paddingMode(c.same() ? PaddingMode.SAME : PaddingMode.VALID).dataFormat("NCHW").build());
                case Layer.BatchNorm b -> batchNorm(sd, node, b, x, w, def.shapeOf(inputs.get(0)).length, training);
                case Layer.Relu r -> sd.nn().relu(n, x, 0);
                case Layer.MaxPool p -> sd.cnn().maxPooling2d(n, x, Pooling2DConfig.builder().kH(p.size()).kW(p.size())
                        .sH(p.stride()).sW(p.stride()).paddingMode(PaddingMode.VALID).isNHWC(false).build());
                case Layer.Dropout d -> training ? x.mul(n, sd.placeHolder(maskName(node), DataType.FLOAT, withBatch(node.outShape()))) : x;
                case Layer.Flatten f -> sd.reshape(n, x, -1, node.outShape()[0]);
                case Layer.Dense d -> x.mmul(param(sd, w, n + ModelDef.KERNEL)).add(n, param(sd, w, n + ModelDef.BIAS));
                case Layer.Add a -> x.add(n, out.get(inputs.get(1)));
                case Layer.GlobalAvgPool g -> x.mean(n, false, 2, 3);
                case Layer.Softmax s -> sd.nn().softmax(n, x, 1);
            };
            out.put(n, y);
        }
        return out;
    }

    private static SDVariable param(SameDiff sd, Weights w, String name) {
        SDVariable v = sd.getVariable(name);
        return v != null ? v : sd.var(name, w.get(name));
    }

    private static SDVariable batchNorm(SameDiff sd, Node node, Layer.BatchNorm bn, SDVariable x, Weights w,
                                        int inputRank, boolean training) {
        String n = node.name();
        int channels = node.outShape()[0];
        long[] bcast = inputRank == 3 ? new long[]{1, channels, 1, 1} : new long[]{1, channels};
        int[] axes = inputRank == 3 ? new int[]{0, 2, 3} : new int[]{0};
        SDVariable gamma = sd.reshape(param(sd, w, n + ModelDef.GAMMA), bcast);
        SDVariable beta = sd.reshape(param(sd, w, n + ModelDef.BETA), bcast);
        SDVariable centered;
        SDVariable variance;
        if (training) {
            SDVariable mean = x.mean(batchMeanName(node), true, axes);
            centered = x.sub(mean);
            // centered·centered rather than square(centered): M2.1 differentiates square through a
            // generic pow derivative that is slower than a multiply's two-sided backward pass
            variance = centered.mul(centered).mean(batchVarName(node), true, axes);
        } else {
            centered = x.sub(sd.constant(n + ModelDef.MEAN, w.get(n + ModelDef.MEAN).reshape(bcast)));
            variance = sd.constant(n + ModelDef.VAR, w.get(n + ModelDef.VAR).reshape(bcast));
        }
        SDVariable scale = sd.math().rsqrt(variance.add(bn.epsilon())).mul(gamma);
        if (training) {
            // M2.1's backward pass of a broadcast multiply ([N,C,H,W] x [1,C,1,1]) is ~100x slower
            // than a same-shape one, so the scale is broadcast first, by adding it to a fed array of
            // zeros (an add's backward is fast, and a placeholder needs no gradient of its own).
            SDVariable zeros = sd.getVariable(zerosName(node.outShape()));
            if (zeros == null) {
                zeros = sd.placeHolder(zerosName(node.outShape()), DataType.FLOAT, withBatch(node.outShape()));
            }
            scale = zeros.add(scale);
        }
        return centered.mul(scale).add(n, beta);
    }

    private static long[] withBatch(int[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = -1;
        for (int i = 0; i < shape.length; i++) {
            s[i + 1] = shape[i];
        }
        return s;
    }
}
