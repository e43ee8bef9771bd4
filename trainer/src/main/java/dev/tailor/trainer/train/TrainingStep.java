package dev.tailor.trainer.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step's forward and backward pass on a SameDiff training graph: the requested
 * outputs and the gradients of the trainable parameters, in one execution of the graph's gradient
 * function.
 *
 * <p>It does what {@code SameDiff.calculateGradientsAndOutputs} does, with the difference that
 * decides the speed and memory of training on CPU: M2.1's method switches the gradient function's
 * array cache off, so every intermediate array of every step is freshly allocated, zero-filled by
 * the kernel on first touch and left to the garbage collector to free (profiled: 70–90 % of a
 * MiniResNet step in the kernel's {@code clear_page_erms}, and resident memory growing until it
 * fills the machine). Here the session gets a {@link StepArrayPool} with a byte budget: an
 * intermediate goes back to the pool as soon as no op needs it and is reused by the next step. The
 * arrays a step returns are not pooled; {@link Result#close()} frees them at once instead of
 * waiting for the garbage collector.
 *
 * <p>Steps must run on the thread that created this object (SameDiff keeps one session, and so one
 * cache, per thread). {@link #close()} frees the cached arrays.
 */
public final class TrainingStep implements AutoCloseable {
    /** A budget that holds every intermediate of a MiniResNet step at batch 128 (about 0.85 GB) with room to spare. */
    public static final long DEFAULT_CACHE_BYTES = 1536L << 20;

    private final SameDiff gradients;
    private final List<String> outputs;
    private final Map<String, String> gradientNames = new LinkedHashMap<>();
    private final String[] requested;
    private final StepArrayPool pool;
    private boolean closed;

    /**
     * @param training   a training graph whose loss variables are set
     * @param outputs    forward-pass variables to return with each step (loss, logits, batch moments...)
     * @param parameters the trainable variables whose gradients are wanted
     * @param cacheBytes most bytes of intermediate arrays kept for reuse between steps
     */
    public TrainingStep(SameDiff training, Collection<String> outputs, Collection<String> parameters, long cacheBytes) {
        if (!training.hasGradientFunction()) {
            training.createGradFunction();
        }
        this.gradients = training.getFunction("grad");
        this.outputs = List.copyOf(outputs);
        List<String> names = new ArrayList<>(outputs);
        for (String parameter : parameters) {
            SDVariable gradient = training.getVariable(parameter).getGradient();
            if (gradient == null) {
                throw new IllegalArgumentException("the loss does not depend on '" + parameter + "': it has no gradient");
            }
            gradientNames.put(parameter, gradient.name());
            names.add(gradient.name());
        }
        this.requested = names.toArray(String[]::new);
        this.pool = new StepArrayPool(cacheBytes);
        InferenceSession session = new InferenceSession(gradients);
        session.setMmgr(pool);
        gradients.getSessions().put(Thread.currentThread().getId(), session);
        gradients.setEnableCache(true);
    }

    /** A step with the {@linkplain #DEFAULT_CACHE_BYTES default cache budget}. */
    public TrainingStep(SameDiff training, Collection<String> outputs, Collection<String> parameters) {
        this(training, outputs, parameters, DEFAULT_CACHE_BYTES);
    }

    /**
     * Runs forward and backward on {@code feed} (every placeholder of the training graph). Close the
     * result before the next step: its arrays go back to the pool.
     */
    public Result run(Map<String, INDArray> feed) {
        if (closed) {
            throw new IllegalStateException("training step already closed");
        }
        Map<String, INDArray> all = gradients.output(feed, List.of(), requested);
        pool.endStep(all.values());
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : outputs) {
            out.put(name, all.get(name));
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        gradientNames.forEach((parameter, gradient) -> grads.put(parameter, all.get(gradient)));
        return new Result(out, grads, all.values(), pool);
    }

    /** Bytes of intermediate arrays held for the next step. */
    public long cachedBytes() {
        return pool.pooledBytes();
    }

    /** Frees the cached intermediates and the session; the step cannot run afterwards. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close();
        gradients.getSessions().remove(Thread.currentThread().getId());
    }

    /**
     * What one step computed: outputs by variable name, gradients by parameter name. The arrays are
     * the caller's until {@link #close()}, which gives them back to the step's pool (read what you
     * need first; do not keep references).
     */
    public static final class Result implements AutoCloseable {
        private final Map<String, INDArray> outputs;
        private final Map<String, INDArray> gradients;
        private final Collection<INDArray> arrays;
        private final StepArrayPool pool;
        private boolean closed;

        private Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients, Collection<INDArray> arrays,
                       StepArrayPool pool) {
            this.outputs = outputs;
            this.gradients = gradients;
            this.arrays = arrays;
            this.pool = pool;
        }

        /** Forward-pass values by variable name. */
        public Map<String, INDArray> outputs() {
            return outputs;
        }

        /** Gradients by parameter name. */
        public Map<String, INDArray> gradients() {
            return gradients;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                arrays.forEach(pool::recycle);
            }
        }
    }
}
