package dev.tailor.trainer.model;

/**
 * One operation of a model definition, with its hyper-parameters and nothing else: no weights, no
 * SameDiff or ONNX types. The builders (SameDiff training graph, SameDiff inference graph, ONNX
 * writer) each map every kind of layer; adding a kind makes the compiler point at all three.
 */
public sealed interface Layer {

    /** 2-D convolution, NCHW. {@code same} padding keeps the size (odd kernel, stride 1 only). */
    record Conv(int filters, int kernel, int stride, boolean same) implements Layer {
    }

    /** Batch normalisation over channels (4-D input) or features (2-D input). */
    record BatchNorm(double epsilon, double momentum) implements Layer {
    }

    /** Rectified linear unit. */
    record Relu() implements Layer {
    }

    /** Max pooling with a square window, no padding. */
    record MaxPool(int size, int stride) implements Layer {
    }

    /** Inverted dropout: active only in the training graph. */
    record Dropout(double rate) implements Layer {
    }

    /** [N,C,H,W] to [N,C·H·W], row-major. */
    record Flatten() implements Layer {
    }

    /** Fully connected layer: x·W + b. */
    record Dense(int units) implements Layer {
    }

    /** Element-wise sum of two inputs of one shape (residual connection). */
    record Add() implements Layer {
    }

    /** Mean over H and W: [N,C,H,W] to [N,C]. */
    record GlobalAvgPool() implements Layer {
    }

    /** Softmax over the class axis. */
    record Softmax() implements Layer {
    }
}
