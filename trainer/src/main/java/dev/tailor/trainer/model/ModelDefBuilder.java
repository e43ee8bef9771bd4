package dev.tailor.trainer.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fluent builder of a {@link ModelDef}: each call appends a node, infers its output shape and
 * returns its name for the next call. Rejects what the three graph builders could not map
 * identically (even-kernel or strided "same" padding, mismatched residual shapes).
 */
public final class ModelDefBuilder {
    /** Name of the input placeholder in every graph. */
    public static final String INPUT = "input";
    private static final double BN_EPSILON = 1e-3;
    private static final double BN_MOMENTUM = 0.9;

    private final String architecture;
    private final int[] inputShape;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, int[]> shapes = new HashMap<>();

    public ModelDefBuilder(String architecture, int channels, int height, int width) {
        this.architecture = architecture;
        this.inputShape = new int[]{channels, height, width};
        shapes.put(INPUT, inputShape.clone());
    }

    /** Name of the input placeholder. */
    public String input() {
        return INPUT;
    }

    public String conv(String name, String in, int filters, int kernel, int stride, boolean same) {
        int[] s = spatial(name, in);
        if (same && (kernel % 2 == 0 || stride != 1)) {
            throw new IllegalArgumentException(name + ": 'same' padding needs an odd kernel and stride 1");
        }
        int h = same ? s[1] : (s[1] - kernel) / stride + 1;
        int w = same ? s[2] : (s[2] - kernel) / stride + 1;
        return add(name, new Layer.Conv(filters, kernel, stride, same), List.of(in), new int[]{filters, h, w});
    }

    public String batchNorm(String name, String in) {
        return add(name, new Layer.BatchNorm(BN_EPSILON, BN_MOMENTUM), List.of(in), shape(in));
    }

    public String relu(String name, String in) {
        return add(name, new Layer.Relu(), List.of(in), shape(in));
    }

    public String maxPool(String name, String in, int size) {
        int[] s = spatial(name, in);
        return add(name, new Layer.MaxPool(size, size), List.of(in),
                new int[]{s[0], (s[1] - size) / size + 1, (s[2] - size) / size + 1});
    }

    public String dropout(String name, String in, double rate) {
        if (rate <= 0 || rate >= 1) {
            throw new IllegalArgumentException(name + ": dropout rate must be in (0,1)");
        }
        return add(name, new Layer.Dropout(rate), List.of(in), shape(in));
    }

    public String flatten(String name, String in) {
        int[] s = shape(in);
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return add(name, new Layer.Flatten(), List.of(in), new int[]{n});
    }

    public String dense(String name, String in, int units) {
        if (shape(in).length != 1) {
            throw new IllegalArgumentException(name + ": dense input must be flat, got rank " + shape(in).length);
        }
        return add(name, new Layer.Dense(units), List.of(in), new int[]{units});
    }

    public String add(String name, String a, String b) {
        if (!java.util.Arrays.equals(shape(a), shape(b))) {
            throw new IllegalArgumentException(name + ": cannot add " + java.util.Arrays.toString(shape(a))
                    + " and " + java.util.Arrays.toString(shape(b)));
        }
        return add(name, new Layer.Add(), List.of(a, b), shape(a));
    }

    public String globalAvgPool(String name, String in) {
        return add(name, new Layer.GlobalAvgPool(), List.of(in), new int[]{spatial(name, in)[0]});
    }

    public String softmax(String name, String in) {
        return add(name, new Layer.Softmax(), List.of(in), shape(in));
    }

    /** Conv → batch norm → ReLU, the block most architectures repeat. */
    public String convBnRelu(String prefix, String in, int filters, int kernel) {
        String x = conv(prefix + "_conv", in, filters, kernel, 1, true);
        x = batchNorm(prefix + "_bn", x);
        return relu(prefix + "_relu", x);
    }

    /** Dense → batch norm → ReLU → dropout. */
    public String denseBnReluDropout(String prefix, String in, int units, double dropout) {
        String x = dense(prefix, in, units);
        x = batchNorm(prefix + "_bn", x);
        x = relu(prefix + "_relu", x);
        return dropout > 0 ? dropout(prefix + "_drop", x, dropout) : x;
    }

    /** Finishes the definition: {@code logits} feeds a softmax named "probabilities". */
    public ModelDef build(String logits) {
        String probs = softmax("probabilities", logits);
        return new ModelDef(architecture, INPUT, inputShape, nodes, logits, probs);
    }

    private String add(String name, Layer layer, List<String> inputs, int[] outShape) {
        if (shapes.containsKey(name)) {
            throw new IllegalArgumentException("duplicate node name " + name);
        }
        nodes.add(new Node(name, layer, inputs, outShape));
        shapes.put(name, outShape);
        return name;
    }

    private int[] shape(String name) {
        int[] s = shapes.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown node " + name);
        }
        return s;
    }

    private int[] spatial(String node, String in) {
        int[] s = shape(in);
        if (s.length != 3) {
            throw new IllegalArgumentException(node + ": needs a [C,H,W] input, got rank " + s.length);
        }
        return s;
    }
}
