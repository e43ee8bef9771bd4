package dev.tailor.exporter;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.SameDiffGraphs;
import dev.tailor.trainer.model.Weights;
import dev.tailor.trainer.train.Evaluator;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Proves an exported file computes what SameDiff computes: runs ONNX Runtime and the SameDiff
 * inference graph on the same real images and compares the probabilities (max |Δ| ≤ tolerance)
 * and the predicted classes (identical on every image).
 */
public final class ParityCheck {
    /** Largest allowed absolute difference of any probability. */
    public static final double TOLERANCE = 1e-4;
    /** Fewest images a parity check may use. */
    public static final int MIN_IMAGES = 1000;
    private static final int BATCH = 250;

    /** The figures of one check. */
    public record Result(int images, double maxAbsDiff, int argmaxMismatches, double ortSeconds, double sameDiffSeconds) {
        public boolean passed() {
            return maxAbsDiff <= TOLERANCE && argmaxMismatches == 0;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "parity on %d images: max |dprob| %.2e (limit %.0e), argmax identical on %d/%d%s",
                    images, maxAbsDiff, TOLERANCE, images - argmaxMismatches, images, passed() ? "" : "  FAILED");
        }
    }

    private ParityCheck() {
    }

    /** Runs both and compares; throws {@link ParityException} when they disagree. */
    public static Result verify(byte[] onnx, ModelDef def, Weights weights, ImageSet images) {
        if (images.size() < MIN_IMAGES) {
            throw new IllegalArgumentException("a parity check needs at least " + MIN_IMAGES + " images, got " + images.size());
        }
        long t0 = System.nanoTime();
        float[][] ort = runOrt(onnx, def, images);
        long t1 = System.nanoTime();
        float[][] sameDiff = Evaluator.predict(SameDiffGraphs.inference(def, weights), def, images);
        long t2 = System.nanoTime();
        double maxDiff = 0;
        int mismatches = 0;
        for (int i = 0; i < images.size(); i++) {
            for (int c = 0; c < ort[i].length; c++) {
                maxDiff = Math.max(maxDiff, Math.abs(ort[i][c] - sameDiff[i][c]));
            }
            if (Evaluator.argmax(ort[i]) != Evaluator.argmax(sameDiff[i])) {
                mismatches++;
            }
        }
        Result r = new Result(images.size(), maxDiff, mismatches, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        if (!r.passed()) {
            throw new ParityException(r);
        }
        return r;
    }

    /** ONNX Runtime's probabilities for {@code images}. */
    public static float[][] runOrt(byte[] onnx, ModelDef def, ImageSet images) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(onnx, options)) {
            float[][] probs = new float[images.size()][];
            int size = images.imageSize();
            for (int from = 0; from < images.size(); from += BATCH) {
                int n = Math.min(BATCH, images.size() - from);
                float[] px = new float[n * size];
                for (int k = 0; k < n; k++) {
                    images.copyNormalized(from + k, px, k * size);
                }
                try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[]{n, 1, images.rows(), images.cols()});
                     OrtSession.Result result = session.run(Map.of(def.input(), input))) {
                    float[][] out = (float[][]) result.get(def.probabilities()).orElseThrow().getValue();
                    System.arraycopy(out, 0, probs, from, n);
                }
            }
            return probs;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not run the exported model: " + e.getMessage(), e);
        }
    }

    /** ONNX Runtime and SameDiff disagree: the file must not be written. */
    public static final class ParityException extends RuntimeException {
        private final transient Result result;

        public ParityException(Result result) {
            super("export rejected, ONNX Runtime and SameDiff disagree: " + result);
            this.result = result;
        }

        public Result result() {
            return result;
        }
    }
}
