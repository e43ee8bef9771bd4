package dev.tailor.server.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

import java.lang.System.Logger.Level;

/**
 * ONNX Runtime's environment with one thread budget for every model: the environment is created
 * with global intra-op and inter-op pools ({@code tailor.intra-op-threads}, default one per core)
 * and spinning off, and every session runs on them instead of starting pools of its own, so that
 * loading a second or third model (or a new version beside the old) adds no threads and several
 * models never ask for more cores than there are. ORT's environment exists once per process, and
 * only its creator chooses its pools: that is why this class keeps the one it made. Should the
 * environment have been made elsewhere first, sessions fall back to their own pools of the budget's
 * size, without spinning, and this is logged.
 */
public final class OrtRuntime {
    private static final System.Logger LOG = System.getLogger(OrtRuntime.class.getName());
    private static OrtRuntime created; // guarded by OrtRuntime.class: ORT's environment is one per process

    private final OrtEnvironment env;
    private final boolean shared;
    private final int intraOpThreads;
    private final int interOpThreads;

    private OrtRuntime(OrtEnvironment env, boolean shared, int intraOpThreads, int interOpThreads) {
        this.env = env;
        this.shared = shared;
        this.intraOpThreads = intraOpThreads;
        this.interOpThreads = interOpThreads;
    }

    /**
     * The process's runtime: created with {@code settings}' thread budget on the first call, the
     * same one afterwards (a later, different budget is logged and not applied).
     */
    public static synchronized OrtRuntime of(RuntimeSettings settings) {
        int intra = settings.effectiveIntraOpThreads();
        int inter = settings.effectiveInterOpThreads();
        if (created != null) {
            if (created.intraOpThreads != intra || created.interOpThreads != inter) {
                LOG.log(Level.INFO, "ONNX Runtime already runs with " + created.describe() + "; a budget of " + intra
                        + " intra-op threads cannot apply to this process any more");
            }
            return created;
        }
        OrtEnvironment env;
        boolean shared;
        try (OrtEnvironment.ThreadingOptions threads = new OrtEnvironment.ThreadingOptions()) {
            threads.setGlobalIntraOpNumThreads(intra);
            threads.setGlobalInterOpNumThreads(inter);
            threads.setGlobalSpinControl(false); // idle threads sleep instead of burning the cores others need
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "tailor", threads);
            shared = true;
        } catch (IllegalStateException e) {
            env = OrtEnvironment.getEnvironment(); // made by someone else, without global pools
            shared = false;
        } catch (OrtException e) {
            throw new IllegalStateException("cannot set up ONNX Runtime's thread pools: " + e.getMessage(), e);
        }
        created = new OrtRuntime(env, shared, intra, inter);
        if (!shared) {
            LOG.log(Level.WARNING, "ONNX Runtime's environment was created before the server's, without shared"
                    + " thread pools: each model gets " + intra + " intra-op threads of its own");
        }
        return created;
    }

    /** The environment sessions are created in. */
    public OrtEnvironment environment() {
        return env;
    }

    /** Whether every session runs on the environment's shared pools. */
    public boolean sharesThreads() {
        return shared;
    }

    /** The thread setup, for the log. */
    public String describe() {
        return shared ? intraOpThreads + " intra-op and " + interOpThreads + " inter-op threads shared by all models,"
                + " without spinning" : intraOpThreads + " intra-op threads per model, without spinning";
    }

    /** Sets {@code options} to run on this runtime's threads. */
    void configureThreads(OrtSession.SessionOptions options) throws OrtException {
        if (shared) {
            options.disablePerSessionThreads();
        } else {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(interOpThreads);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
        }
    }
}
