package dev.tailor.trainer.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A model declared as data: its nodes in topological order, the input placeholder and the names
 * of the logits and probabilities. The single source the SameDiff training graph, the SameDiff
 * inference graph and the ONNX writer are built from, so none of them reverse-engineers another.
 */
public record ModelDef(String architecture, String input, int[] inputShape, List<Node> nodes,
                       String logits, String probabilities) {

    /** Suffixes of parameter names, shared by every builder. */
    public static final String KERNEL = "_W";
    public static final String BIAS = "_b";
    public static final String GAMMA = "_gamma";
    public static final String BETA = "_beta";
    public static final String MEAN = "_mean";
    public static final String VAR = "_var";

    public ModelDef {
        nodes = List.copyOf(nodes);
        inputShape = inputShape.clone();
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Nodes by name. */
    public Map<String, Node> nodesByName() {
        return nodes.stream().collect(Collectors.toMap(Node::name, Function.identity()));
    }

    /** Output shape (without batch) of the input or of a node. */
    public int[] shapeOf(String name) {
        if (name.equals(input)) {
            return inputShape();
        }
        Node node = nodesByName().get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " in " + architecture);
        }
        return node.outShape();
    }

    /** Every parameter, in node order. */
    public List<Param> params() {
        List<Param> params = new ArrayList<>();
        for (Node node : nodes) {
            int[] in = node.inputs().isEmpty() ? new int[0] : shapeOf(node.inputs().get(0));
            switch (node.layer()) {
                case Layer.Conv c -> {
                    int fanIn = c.kernel() * c.kernel() * in[0];
                    params.add(new Param(node.name() + KERNEL, new long[]{c.kernel(), c.kernel(), in[0], c.filters()},
                            Param.Role.KERNEL, fanIn));
                    params.add(new Param(node.name() + BIAS, new long[]{c.filters()}, Param.Role.BIAS, fanIn));
                }
                case Layer.Dense d -> {
                    params.add(new Param(node.name() + KERNEL, new long[]{in[0], d.units()}, Param.Role.KERNEL, in[0]));
                    params.add(new Param(node.name() + BIAS, new long[]{d.units()}, Param.Role.BIAS, in[0]));
                }
                case Layer.BatchNorm b -> {
                    long[] c = {in[0]};
                    params.add(new Param(node.name() + GAMMA, c, Param.Role.GAMMA, 0));
                    params.add(new Param(node.name() + BETA, c, Param.Role.BETA, 0));
                    params.add(new Param(node.name() + MEAN, c, Param.Role.RUNNING_MEAN, 0));
                    params.add(new Param(node.name() + VAR, c, Param.Role.RUNNING_VAR, 0));
                }
                default -> {
                }
            }
        }
        return Collections.unmodifiableList(params);
    }

    /** Number of trainable scalars. */
    public long trainableParameterCount() {
        return params().stream().filter(p -> p.role().trainable()).mapToLong(Param::length).sum();
    }

    /** The dropout nodes, whose masks the training graph takes as placeholders. */
    public List<Node> dropoutNodes() {
        return nodes.stream().filter(n -> n.layer() instanceof Layer.Dropout).toList();
    }

    /** The conv and dense kernels' names: what L2 or weight decay regularizes (not biases or batch-norm scales). */
    public List<String> kernelNames() {
        return params().stream().filter(p -> p.role() == Param.Role.KERNEL).map(Param::name).toList();
    }

    /** The batch-norm nodes, whose running statistics training maintains. */
    public List<Node> batchNormNodes() {
        return nodes.stream().filter(n -> n.layer() instanceof Layer.BatchNorm).toList();
    }
}
