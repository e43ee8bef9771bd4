package dev.tailor.loadtest.ceiling;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.tailor.loadtest.cpu.CpuClock;
import dev.tailor.loadtest.data.TestImages;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One model in ONNX Runtime, in this process, with nothing in front of it: the most a server could
 * get out of the same session on the same machine. Opens one CPU session as the server does (all
 * graph optimisations, the given intra-op threads, one inter-op thread) and measures it at a batch
 * size on real test images. Input tensors are built before the window opens, so the window holds
 * ONNX Runtime's work and its JNI calls only. Owns its session and options; close it.
 */
public final class OrtCeiling implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String input;
    private final long[] shape;

    private OrtCeiling(OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session, String input, long[] shape) {
        this.env = env;
        this.options = options;
        this.session = session;
        this.input = input;
        this.shape = shape;
    }

    /**
     * Loads {@code modelFile}, which must take one FP32 image batch shaped [N, 1, rows, cols].
     *
     * @param intraOpThreads ONNX Runtime's intra-op threads (at least 1)
     * @param config         session configuration entries, e.g. {@code session.intra_op.allow_spinning=0}
     * @throws OrtException             when ONNX Runtime cannot load it
     * @throws IllegalArgumentException when its input is not such a batch
     */
    public static OrtCeiling open(Path modelFile, int intraOpThreads, Map<String, String> config) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            for (Map.Entry<String, String> e : config.entrySet()) {
                options.addConfigEntry(e.getKey(), e.getValue());
            }
            session = env.createSession(modelFile.toString(), options);
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1) {
                throw new IllegalArgumentException(modelFile + " takes " + inputs.size() + " inputs; the ceiling feeds one image batch");
            }
            NodeInfo node = inputs.values().iterator().next();
            long[] shape = node.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT ? t.getShape() : null;
            if (shape == null || shape.length != 4 || shape[1] != 1) {
                throw new IllegalArgumentException(modelFile + " takes " + node.getInfo() + "; the ceiling feeds FP32 [N, 1, 28, 28] images");
            }
            return new OrtCeiling(env, options, session, node.getName(), shape);
        } catch (OrtException | RuntimeException e) {
            if (session != null) {
                session.close();
            }
            options.close();
            throw e;
        }
    }

    /** The model's input: its name and declared shape (-1 for a free dimension). */
    public String describeInput() {
        return "'" + input + "' FP32" + Arrays.toString(shape);
    }

    /**
     * Runs batches of {@code batch} images, cycling through {@code images}, for {@code warmup}
     * unmeasured, then for {@code window} measured.
     *
     * @param cpu this process's CPU clock
     * @throws IllegalArgumentException when the model's batch dimension is fixed to another size, or
     *                                  the images are not the size the model takes
     */
    public CeilingRow measure(int batch, TestImages images, Duration warmup, Duration window, CpuClock cpu) throws OrtException {
        if (shape[0] > 0 && shape[0] != batch) {
            throw new IllegalArgumentException("the model's batch dimension is fixed to " + shape[0] + "; cannot run batches of " + batch);
        }
        if (shape[2] > 0 && shape[2] != images.rows() || shape[3] > 0 && shape[3] != images.cols()) {
            throw new IllegalArgumentException("the model takes " + Arrays.toString(shape) + " images; the test images are "
                    + images.rows() + "x" + images.cols());
        }
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            tensors.addAll(inputs(batch, images));
            runFor(tensors, warmup.toNanos());
            long cpuBefore = cpu.nanos();
            long start = System.nanoTime();
            long runs = runFor(tensors, window.toNanos());
            long elapsed = System.nanoTime() - start;
            long cpuUsed = cpu.nanos() - cpuBefore;
            long total = runs * batch;
            double seconds = elapsed / 1e9;
            return new CeilingRow(batch, runs, total, seconds, total / seconds, cpuUsed / 1000.0 / total);
        } finally {
            for (OnnxTensor t : tensors) {
                t.close();
            }
        }
    }

    /** Runs the tensors in turn until {@code nanos} have passed (at least once each time); returns the runs. */
    private long runFor(List<OnnxTensor> tensors, long nanos) throws OrtException {
        long start = System.nanoTime();
        long runs = 0;
        do {
            try (OrtSession.Result ignored = session.run(Map.of(input, tensors.get((int) (runs % tensors.size()))))) {
                runs++;
            }
        } while (System.nanoTime() - start < nanos);
        return runs;
    }

    /** Enough batches to show every image once (at least one batch), images cycled to fill the last. */
    private List<OnnxTensor> inputs(int batch, TestImages images) throws OrtException {
        int size = images.rows() * images.cols();
        int count = Math.max(1, (images.count() + batch - 1) / batch);
        List<OnnxTensor> tensors = new ArrayList<>(count);
        try {
            for (int b = 0; b < count; b++) {
                float[] data = new float[batch * size];
                for (int i = 0; i < batch; i++) {
                    System.arraycopy(images.normalized((b * batch + i) % images.count()), 0, data, i * size, size);
                }
                tensors.add(OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[]{batch, 1, images.rows(), images.cols()}));
            }
            return tensors;
        } catch (OrtException | RuntimeException e) {
            for (OnnxTensor t : tensors) {
                t.close();
            }
            throw e;
        }
    }

    @Override
    public void close() throws OrtException {
        try {
            session.close();
        } finally {
            options.close();
        }
    }
}
