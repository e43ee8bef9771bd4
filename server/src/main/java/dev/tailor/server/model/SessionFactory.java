package dev.tailor.server.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.lang.System.Logger.Level;

/**
 * Creates ONNX Runtime sessions on the configured device, on the runtime's shared threads, and
 * says which provider each session really runs on. The device is resolved once, at construction,
 * so that {@code cuda} fails the start loudly when CUDA cannot be used at all. {@code cuda} sessions
 * forbid ONNX Runtime's silent per-node fallback to the CPU ({@code session.disable_cpu_ep_fallback}):
 * a model that cannot run wholly on the GPU is rejected with ORT's reason. {@code auto} tries the
 * GPU and, when creating a session with it fails (CUDA present but unusable, which only shows
 * then), warns and creates the session on the CPU, as every later one. Owns no session: each
 * {@link OnnxModel} owns its session and options.
 */
public final class SessionFactory {
    /** Provider names as ONNX Runtime spells them; shown in model metadata and metrics. */
    public static final String CPU = "CPUExecutionProvider";
    public static final String CUDA = "CUDAExecutionProvider";

    private static final System.Logger LOG = System.getLogger(SessionFactory.class.getName());

    private final OrtRuntime runtime;
    private final Device device;
    private final Accelerator accelerator;
    private volatile boolean useAccelerator;

    /**
     * Sessions on {@code settings}' device, CUDA being the accelerator.
     *
     * @throws IllegalStateException when {@code cuda} is requested and CUDA cannot be used
     */
    public SessionFactory(OrtRuntime runtime, RuntimeSettings settings) {
        this(runtime, settings.device(), Accelerator.cuda(settings.gpuId()));
    }

    /**
     * Sessions on {@code device}, with {@code accelerator} as the GPU.
     *
     * @throws IllegalStateException when {@code device} is {@code cuda} and the accelerator cannot be used
     */
    public SessionFactory(OrtRuntime runtime, Device device, Accelerator accelerator) {
        this.runtime = runtime;
        this.device = device;
        this.accelerator = accelerator;
        this.useAccelerator = switch (device) {
            case CPU -> false;
            case CUDA -> {
                String problem = accelerator.problem();
                if (problem != null) {
                    throw new IllegalStateException("tailor.device=cuda but CUDA cannot be used: " + problem
                            + ". Build with -Pgpu on a machine with CUDA 12 and cuDNN 9, or set tailor.device=auto|cpu.");
                }
                yield true;
            }
            case AUTO -> {
                String problem = accelerator.problem();
                if (problem != null) {
                    LOG.log(Level.WARNING, "CUDA not usable (" + problem + "); running on CPU");
                }
                yield problem == null;
            }
        };
    }

    /** A created session with the options it needs kept open, and the provider it runs on. */
    public record Opened(OrtSession session, OrtSession.SessionOptions options, String provider) {
    }

    /** The environment sessions live in. */
    public OrtEnvironment environment() {
        return runtime.environment();
    }

    /** The provider new sessions are meant to run on (what {@code auto} resolved to, so far). */
    public String provider() {
        return useAccelerator ? accelerator.provider() : CPU;
    }

    /**
     * Creates a session for a model given as the bytes of its file. The caller owns the result:
     * close the session, then the options.
     *
     * @param model the model's name, for the log
     * @throws OrtException when ONNX Runtime cannot create the session (on the CPU, for {@code auto})
     */
    public Opened open(String model, byte[] onnx) throws OrtException {
        if (!useAccelerator) {
            return create(onnx, false);
        }
        try {
            return create(onnx, true);
        } catch (OrtException e) {
            if (device != Device.AUTO) {
                throw e;
            }
            Opened cpu = create(onnx, false); // a model ORT cannot read fails here too, with the CPU's reason
            useAccelerator = false;
            LOG.log(Level.WARNING, "tailor.device=auto: " + accelerator.provider() + " failed to create the session"
                    + " of model " + model + " (" + e.getMessage() + "); it and every later model run on the CPU");
            return cpu;
        }
    }

    private Opened create(byte[] onnx, boolean accelerated) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            runtime.configureThreads(options);
            if (accelerated) {
                accelerator.addTo(options, device == Device.CUDA);
            }
            return new Opened(runtime.environment().createSession(onnx, options), options,
                    accelerated ? accelerator.provider() : CPU);
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
