package dev.tailor.server.model;

import java.util.Arrays;

/**
 * Name, Open Inference Protocol datatype and shape of one model input or output; {@code -1} marks
 * a variable dimension (the batch).
 */
public record TensorSpec(String name, String datatype, long[] shape) {
    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Elements per batch item: the product of every dimension after the first. */
    public int itemSize() {
        long size = 1;
        for (int i = 1; i < shape.length; i++) {
            size *= shape[i];
        }
        return Math.toIntExact(size);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && t.datatype.equals(datatype)
                && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(shape);
    }
}
