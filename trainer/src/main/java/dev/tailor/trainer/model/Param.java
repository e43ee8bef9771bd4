package dev.tailor.trainer.model;

/**
 * A parameter array of a model definition: its name (node name + suffix), shape and role. Conv
 * kernels use SameDiff's [kH, kW, in, out] layout (its backward pass needs it); the ONNX writer
 * permutes them to [out, in, kH, kW].
 */
public record Param(String name, long[] shape, Role role, int fanIn) {

    /** What a parameter is for; decides initialisation, training and L2. */
    public enum Role {
        KERNEL, BIAS, GAMMA, BETA, RUNNING_MEAN, RUNNING_VAR;

        /** Whether the optimiser updates it (running statistics are updated from batch moments). */
        public boolean trainable() {
            return this != RUNNING_MEAN && this != RUNNING_VAR;
        }
    }

    public Param {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
