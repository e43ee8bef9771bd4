package dev.tailor.trainer.train;

import java.util.List;

/**
 * The scalar state a checkpoint holds beside the arrays: last finished epoch, global step,
 * learning rate, RNG state, scheduler state and the history so far.
 */
public record TrainingState(String architecture, int epoch, int iteration, double learningRate, long rngState,
                            PlateauScheduler.State scheduler, List<EpochStats> history, double trainSeconds) {
    public TrainingState {
        history = List.copyOf(history);
    }
}
