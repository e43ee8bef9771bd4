package dev.tailor.trainer.model;

/**
 * A named family of models that can declare itself as a {@link ModelDef}. One implementation per
 * architecture of the seeds; {@link Architectures} lists them.
 */
public interface Architecture {
    /** The name used on the command line and in ONNX metadata, e.g. {@code cnn4b}. */
    String name();

    /** One line for {@code --help}. */
    String description();

    /** The model definition for Fashion-MNIST-shaped input ([1,28,28], 10 classes). */
    ModelDef define(ArchitectureOptions options);
}
