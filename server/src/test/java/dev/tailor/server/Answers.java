package dev.tailor.server;

import dev.tailor.server.model.Device;
import dev.tailor.server.model.OnnxModel;
import dev.tailor.server.model.OrtRuntime;
import dev.tailor.server.model.RuntimeSettings;
import dev.tailor.server.model.SessionFactory;

/**
 * What a model file answers, computed straight with ONNX Runtime (no server), so a test can tell
 * which of two models answered a request, row by row.
 */
final class Answers {
    /** Largest difference between two runs of one model on the same image (batching changes the float sums). */
    static final float TOLERANCE = 1e-4f;

    private Answers() {
    }

    /** The probabilities {@code model} gives for {@code n} images. */
    static float[] of(byte[] model, float[] pixels, int n) throws Exception {
        RuntimeSettings cpu = new RuntimeSettings(Device.CPU, 0, 2, 1);
        try (OnnxModel loaded = OnnxModel.load(new SessionFactory(OrtRuntime.of(cpu), cpu), "expected", null, model);
             OnnxModel.Lease lease = loaded.acquire()) {
            return lease.run(pixels, n).get("probabilities");
        }
    }

    /** Whether {@code actual} is {@code expected} within {@link #TOLERANCE}, element by element. */
    static boolean same(float[] expected, float[] actual, int from, int to) {
        if (actual.length != expected.length) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (Math.abs(expected[i] - actual[i]) > TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    /**
     * Which model gave {@code actual}: 'A' or 'B' when every row is that model's answer, '?' when
     * a row is neither's or the rows come from different models.
     */
    static char which(float[] actual, float[] a, float[] b, int rows) {
        int width = a.length / rows;
        char answer = 0;
        for (int r = 0; r < rows; r++) {
            char row = same(a, actual, r * width, (r + 1) * width) ? 'A'
                    : same(b, actual, r * width, (r + 1) * width) ? 'B' : '?';
            if (row == '?' || (answer != 0 && row != answer)) {
                return '?';
            }
            answer = row;
        }
        return answer;
    }
}
