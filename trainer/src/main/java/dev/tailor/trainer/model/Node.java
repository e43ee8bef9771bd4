package dev.tailor.trainer.model;

import java.util.List;

/**
 * One named node of a model definition: its layer, the names of its inputs and the shape it
 * produces (without the batch dimension: [C,H,W] or [F]). The node's name prefixes its
 * parameters' names, which the SameDiff graphs and the ONNX file share.
 */
public record Node(String name, Layer layer, List<String> inputs, int[] outShape) {
    public Node {
        inputs = List.copyOf(inputs);
        outShape = outShape.clone();
    }

    /** The single input of a one-input node. */
    public String input() {
        if (inputs.size() != 1) {
            throw new IllegalStateException(name + " has " + inputs.size() + " inputs");
        }
        return inputs.get(0);
    }

    @Override
    public int[] outShape() {
        return outShape.clone();
    }
}
