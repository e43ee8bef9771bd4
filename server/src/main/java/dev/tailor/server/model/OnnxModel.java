package dev.tailor.server.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One ONNX model file and its ORT session, reference counted (as Vespa's embedded runtime does):
 * every run holds a {@link Lease}, and {@link #close()} only drops the owner's reference, so the
 * native session is freed when the last in-flight run ends. Closing a session under a running
 * {@code run()} crashes the JVM (onnxruntime #21812); this class makes that impossible, which is
 * what replacing a model under load (hot swap) needs. Knows nothing of batching or protocols.
 */
public final class OnnxModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final ModelInfo info;
    private final AtomicInteger references = new AtomicInteger(1); // the owner's
    private final AtomicBoolean closed = new AtomicBoolean();

    private OnnxModel(OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session, ModelInfo info) {
        this.env = env;
        this.options = options;
        this.session = session;
        this.info = info;
    }

    /**
     * Opens {@code file}; the model is named after the file (without {@code .onnx}) and versioned by
     * its {@code model_version} metadata.
     *
     * @throws IllegalArgumentException as {@link #load(SessionFactory, String, String, byte[])}
     */
    public static OnnxModel load(SessionFactory sessions, Path file) throws OrtException, IOException {
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
        return load(sessions, name, null, Files.readAllBytes(file));
    }

    /**
     * Opens a model from the bytes of its file, so that what runs is exactly what was read (and
     * hashed), even if the file is replaced meanwhile.
     *
     * @param name    the served name
     * @param version the served version, or null for the {@code model_version} metadata ("1" when absent)
     * @throws OrtException             when ONNX Runtime cannot read the bytes as a model
     * @throws IllegalArgumentException when the model does not have one FP32 input with a variable
     *                                  batch dimension and FP32 outputs whose first dimension is that batch
     */
    public static OnnxModel load(SessionFactory sessions, String name, String version, byte[] onnx)
            throws OrtException {
        SessionFactory.Opened opened = sessions.open(name, onnx);
        try {
            ModelInfo info = describe(name, version, opened.session(), opened.provider());
            return new OnnxModel(sessions.environment(), opened.options(), opened.session(), info);
        } catch (OrtException | RuntimeException e) {
            try {
                opened.session().close();
            } finally {
                opened.options().close();
            }
            throw e;
        }
    }

    private static ModelInfo describe(String name, String version, OrtSession session, String provider)
            throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("expected one input, found " + inputs.keySet());
        }
        NodeInfo inputNode = inputs.values().iterator().next();
        TensorSpec input = spec(inputNode);
        String batch = batchDimension(inputNode);
        List<TensorSpec> outputs = new ArrayList<>();
        for (NodeInfo output : session.getOutputInfo().values()) {
            outputs.add(spec(output));
            String first = batchDimension(output);
            // Triton #7171: rows of an output that is not batch-major would be handed to the wrong callers
            if (!batch.isEmpty() && !first.isEmpty() && !first.equals(batch)) {
                throw new IllegalArgumentException("output '" + output.getName() + "' has first dimension '" + first
                        + "', not the input's batch dimension '" + batch + "': its rows are not the batch's items");
            }
        }
        ModelMetadata metadata = ModelMetadata.read(name, session.getMetadata(), outputs);
        return new ModelInfo(name, version != null ? version : metadata.version(), metadata.description(), input,
                outputs, metadata.labels(), metadata.inputScale(), provider, metadata.custom());
    }

    /** The symbolic name of a tensor's first dimension ("" when it has none). */
    private static String batchDimension(NodeInfo node) {
        String[] names = ((TensorInfo) node.getInfo()).getDimensionNames();
        return names == null || names.length == 0 || names[0] == null ? "" : names[0];
    }

    private static TensorSpec spec(NodeInfo node) {
        if (!(node.getInfo() instanceof TensorInfo tensor) || tensor.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("tensor '" + node.getName() + "' is " + node.getInfo()
                    + "; the server serves float32 tensors only");
        }
        long[] shape = tensor.getShape();
        if (shape.length < 2 || shape[0] != -1) {
            throw new IllegalArgumentException("tensor '" + node.getName() + "' has shape "
                    + java.util.Arrays.toString(shape) + "; a variable batch dimension first is needed for batching");
        }
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] <= 0) {
                throw new IllegalArgumentException("tensor '" + node.getName()
                        + "' has a variable dimension after the batch one");
            }
        }
        return new TensorSpec(node.getName(), "FP32", shape);
    }

    /** What this model is. */
    public ModelInfo info() {
        return info;
    }

    /**
     * Takes a reference for one or more runs.
     *
     * @throws ServingException UNAVAILABLE once the model is closed and its session freed or being freed
     */
    public Lease acquire() {
        while (true) {
            int current = references.get();
            if (current == 0 || closed.get()) {
                throw new ServingException(ErrorKind.UNAVAILABLE, "model '" + info.name() + "' is unloading");
            }
            if (references.compareAndSet(current, current + 1)) {
                return new Lease();
            }
        }
    }

    /** Drops the owner's reference; the session closes when no run holds a lease. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Whether the native session has been freed. */
    public boolean isReleased() {
        return references.get() == 0;
    }

    private void release() {
        if (references.decrementAndGet() == 0) {
            try {
                session.close();
            } catch (OrtException e) {
                System.getLogger(OnnxModel.class.getName()).log(System.Logger.Level.WARNING,
                        "Closing the session of " + info.name() + " failed: " + e.getMessage());
            } finally {
                options.close(); // SessionOptions must outlive the session: close them after
            }
        }
    }

    /**
     * A reference to the open session; runs go through it. Not thread-confined: any thread may run
     * with it (ORT sessions serve concurrent runs), but close it exactly once.
     */
    public final class Lease implements AutoCloseable {
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease() {
        }

        /**
         * Runs {@code batch} items whose values lie row-major in {@code input} (exactly
         * {@code batch × itemSize} floats) and returns every output, flattened, by name.
         *
         * @throws IllegalStateException when an output does not hold exactly {@code batch} rows
         */
        public Map<String, float[]> run(float[] input, int batch) throws OrtException {
            int itemSize = info.input().itemSize();
            if (batch <= 0 || input.length != batch * itemSize) {
                // checked by callers already; a mismatch here would shift every later item's data
                throw new IllegalArgumentException("input holds " + input.length + " floats, expected " + batch
                        + " × " + itemSize);
            }
            long[] shape = info.input().shape();
            shape[0] = batch;
            Map<String, float[]> outputs = new LinkedHashMap<>();
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
                 OrtSession.Result result = session.run(Map.of(info.input().name(), tensor))) {
                for (Map.Entry<String, OnnxValue> entry : result) {
                    FloatBuffer values = ((OnnxTensor) entry.getValue()).getFloatBuffer();
                    long expected = (long) batch * info.output(entry.getKey()).orElseThrow().itemSize();
                    if (values.remaining() != expected) {
                        // slicing would shift rows between the batch's callers (Triton #7171): refuse the run
                        throw new IllegalStateException("output '" + entry.getKey() + "' has " + values.remaining()
                                + " values for a batch of " + batch + "; " + expected + " (batch x "
                                + info.output(entry.getKey()).orElseThrow().itemSize() + ") were expected: the model's"
                                + " outputs are not batch-major");
                    }
                    float[] flat = new float[values.remaining()];
                    values.get(flat);
                    outputs.put(entry.getKey(), flat);
                }
            }
            return outputs;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release();
            }
        }
    }
}
