package dev.tailor.trainer.train;

/**
 * ReduceLROnPlateau and early stopping on validation loss, as Keras' callbacks do: after
 * {@code plateauPatience} epochs without improvement the learning rate is multiplied by
 * {@code factor} (not below {@code minLr}); after {@code stopPatience} epochs without improvement
 * training stops. Its whole state is a {@link State} value, saved in checkpoints.
 */
public final class PlateauScheduler {
    /** Checkpointable state. */
    public record State(double bestLoss, int bestEpoch, int epochsSinceBest, int epochsSinceReduce) {
        public static State initial() {
            return new State(Double.POSITIVE_INFINITY, 0, 0, 0);
        }
    }

    /** What to do after an epoch. */
    public record Decision(double learningRate, boolean improved, boolean stop) {
    }

    private final int plateauPatience;
    private final double factor;
    private final double minLr;
    private final int stopPatience;
    private State state;

    public PlateauScheduler(int plateauPatience, double factor, double minLr, int stopPatience, State state) {
        this.plateauPatience = plateauPatience;
        this.factor = factor;
        this.minLr = minLr;
        this.stopPatience = stopPatience;
        this.state = state;
    }

    public State state() {
        return state;
    }

    /**
     * Records an epoch of a run without validation images (a refit on the whole training set):
     * there is nothing to compare, so the epoch counts as the best so far (the last epoch is the
     * model) and the learning rate stays as the fixed schedule set it.
     */
    public Decision onEpochEndWithoutValidation(int epoch, double currentLr) {
        state = new State(state.bestLoss(), epoch, 0, 0);
        return new Decision(currentLr, true, false);
    }

    /** Records epoch {@code epoch}'s validation loss and decides the next learning rate. */
    public Decision onEpochEnd(int epoch, double valLoss, double currentLr) {
        double lr = currentLr;
        boolean improved = valLoss < state.bestLoss() - 1e-6;
        if (improved) {
            state = new State(valLoss, epoch, 0, 0);
        } else {
            int sinceReduce = state.epochsSinceReduce() + 1;
            if (plateauPatience > 0 && sinceReduce >= plateauPatience && currentLr > minLr) {
                lr = Math.max(minLr, currentLr * factor);
                sinceReduce = 0;
            }
            state = new State(state.bestLoss(), state.bestEpoch(), state.epochsSinceBest() + 1, sinceReduce);
        }
        boolean stop = stopPatience > 0 && state.epochsSinceBest() >= stopPatience;
        return new Decision(lr, improved, stop);
    }
}
