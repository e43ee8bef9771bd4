package dev.tailor.server.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

/**
 * A GPU execution provider that {@link SessionFactory} adds to a session's options ahead of the CPU.
 * {@link #cuda(int)} is the real one; tests pass their own to reach the fallback paths on machines
 * without a GPU.
 */
public interface Accelerator {
    /** The provider's name as ONNX Runtime spells it, e.g. {@code CUDAExecutionProvider}. */
    String provider();

    /** Null when the provider can be used here, else why not (checked once, at start). */
    String problem();

    /**
     * Adds the provider to {@code options}.
     *
     * @param strict forbid ONNX Runtime to run any node on the CPU instead, so that a session either runs
     *               wholly on this provider or is not created ({@code session.disable_cpu_ep_fallback})
     */
    void addTo(OrtSession.SessionOptions options, boolean strict) throws OrtException;

    /** CUDA on GPU {@code gpuId}. */
    static Accelerator cuda(int gpuId) {
        return new Accelerator() {
            @Override
            public String provider() {
                return SessionFactory.CUDA;
            }

            @Override
            public String problem() {
                if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                    return "this ONNX Runtime build has no CUDA provider (CPU artifact on the classpath)";
                }
                try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
                    probe.addCUDA(gpuId);
                    return null;
                } catch (OrtException | RuntimeException e) {
                    return "GPU " + gpuId + ": " + e.getMessage();
                }
            }

            @Override
            public void addTo(OrtSession.SessionOptions options, boolean strict) throws OrtException {
                options.addCUDA(gpuId);
                if (strict) {
                    options.addConfigEntry("session.disable_cpu_ep_fallback", "1");
                }
            }
        };
    }
}
