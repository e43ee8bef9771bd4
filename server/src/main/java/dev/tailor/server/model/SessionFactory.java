package dev.tailor.server.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

import java.lang.System.Logger.Level;

/**
 * Creates ONNX Runtime sessions on the configured device. The device is resolved once, at
 * construction, so that {@code cuda} fails the start loudly and {@code auto} logs its fallback once,
 * before any model loads. Owns no session: each {@link OnnxModel} owns its session and options.
 */
public final class SessionFactory {
    /** Provider names as ONNX Runtime spells them; shown in model metadata and metrics. */
    public static final String CPU = "CPUExecutionProvider";
    public static final String CUDA = "CUDAExecutionProvider";

    private static final System.Logger LOG = System.getLogger(SessionFactory.class.getName());

    private final OrtEnvironment env;
    private final RuntimeSettings settings;
    private final boolean useCuda;

    /**
     * Resolves the device.
     *
     * @throws IllegalStateException when {@code cuda} is requested and CUDA cannot be used
     */
    public SessionFactory(OrtEnvironment env, RuntimeSettings settings) {
        this.env = env;
        this.settings = settings;
        this.useCuda = switch (settings.device()) {
            case CPU -> false;
            case CUDA -> {
                String problem = cudaProblem();
                if (problem != null) {
                    throw new IllegalStateException("tailor.device=cuda but CUDA cannot be used: " + problem
                            + ". Build with -Pgpu on a machine with CUDA 12 and cuDNN 9, or set tailor.device=auto|cpu.");
                }
                yield true;
            }
            case AUTO -> {
                String problem = cudaProblem();
                if (problem != null) {
                    LOG.log(Level.WARNING, "CUDA not usable (" + problem + "); running on CPU");
                }
                yield problem == null;
            }
        };
    }

    /** The provider sessions from this factory run on. */
    public String provider() {
        return useCuda ? CUDA : CPU;
    }

    /** Options for one session; the caller owns them and must close them after the session. */
    public OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(settings.effectiveIntraOpThreads());
            options.setInterOpNumThreads(settings.effectiveInterOpThreads());
            if (useCuda) {
                options.addCUDA(settings.gpuId());
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /** Creates a session for a model given as the bytes of its file, with freshly made options. */
    public OrtSession open(byte[] onnx, OrtSession.SessionOptions options) throws OrtException {
        return env.createSession(onnx, options);
    }

    /** Null when CUDA works here, else why not. */
    private String cudaProblem() {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            return "this ONNX Runtime build has no CUDA provider (CPU artifact on the classpath)";
        }
        try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
            probe.addCUDA(settings.gpuId());
            return null;
        } catch (OrtException | RuntimeException e) {
            return "GPU " + settings.gpuId() + ": " + e.getMessage();
        }
    }
}
