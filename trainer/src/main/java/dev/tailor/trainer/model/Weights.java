package dev.tailor.trainer.model;

import dev.tailor.trainer.data.Rng;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Named float arrays: a model's parameters and running statistics, or any other named state
 * (optimizer moments). Reads and writes a small self-describing binary file. The map is ordered
 * and owned by this object; callers share arrays, not copies, so training updates them in place.
 */
public final class Weights {
    private static final int FORMAT = 0x54574731; // "TWG1"
    private final Map<String, INDArray> arrays = new LinkedHashMap<>();

    /** Fresh parameters for {@code def}: He-normal kernels, zero biases, unit gammas, unit variances. */
    public static Weights initialize(ModelDef def, long seed) {
        Rng rng = new Rng(seed);
        Weights w = new Weights();
        for (Param p : def.params()) {
            float[] values = new float[Math.toIntExact(p.length())];
            switch (p.role()) {
                case KERNEL -> {
                    double std = Math.sqrt(2.0 / p.fanIn());
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (gaussian(rng) * std);
                    }
                }
                case GAMMA, RUNNING_VAR -> Arrays.fill(values, 1f);
                default -> {
                }
            }
            w.put(p.name(), Nd4j.create(values, p.shape(), 'c'));
        }
        return w;
    }

    private static double gaussian(Rng rng) {
        double u1 = Math.max(rng.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    /** Stores {@code array} under {@code name}, replacing any previous one. */
    public void put(String name, INDArray array) {
        arrays.put(name, array);
    }

    /** The array called {@code name}; a missing name is an error naming it. */
    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no array '" + name + "' among " + arrays.size() + " stored arrays");
        }
        return a;
    }

    /** Read-only view of every array by name. */
    public Map<String, INDArray> asMap() {
        return Collections.unmodifiableMap(arrays);
    }

    /**
     * Frees the native memory of every array now rather than at garbage collection (a snapshot per
     * epoch adds up otherwise). The arrays must not be used afterwards.
     */
    public void free() {
        arrays.values().forEach(a -> {
            if (!a.wasClosed() && a.closeable()) {
                a.close();
            }
        });
    }

    /** Deep copy. */
    public Weights copy() {
        Weights w = new Weights();
        arrays.forEach((k, v) -> w.put(k, v.dup()));
        return w;
    }

    /** Checks that every parameter of {@code def} is present with its shape. */
    public void checkMatches(ModelDef def) {
        for (Param p : def.params()) {
            INDArray a = get(p.name());
            if (!Arrays.equals(a.shape(), p.shape())) {
                throw new IllegalArgumentException(p.name() + " has shape " + Arrays.toString(a.shape())
                        + ", the " + def.architecture() + " definition needs " + Arrays.toString(p.shape()));
            }
        }
    }

    /** Writes all arrays to {@code file}. */
    public void save(Path file) {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeInt(FORMAT);
            out.writeInt(arrays.size());
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                INDArray a = e.getValue().castTo(DataType.FLOAT);
                out.writeUTF(e.getKey());
                long[] shape = a.shape();
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                float[] data = a.dup('c').data().asFloat();
                for (float f : data) {
                    out.writeFloat(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads arrays written by {@link #save(Path)}. */
    public static Weights load(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != FORMAT) {
                throw new IllegalArgumentException(file + " is not a Tailor weights file");
            }
            int n = in.readInt();
            Weights w = new Weights();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                long len = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                    len *= shape[d];
                }
                float[] data = new float[Math.toIntExact(len)];
                for (int k = 0; k < data.length; k++) {
                    data[k] = in.readFloat();
                }
                w.put(name, Nd4j.create(data, shape, 'c'));
            }
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
