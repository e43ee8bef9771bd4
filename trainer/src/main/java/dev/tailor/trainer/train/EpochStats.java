package dev.tailor.trainer.train;

/**
 * One epoch's figures: training loss/accuracy (on augmented batches), validation loss/accuracy (NaN
 * in a run without validation images).
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                         double learningRate, double seconds, double imagesPerSecond) {

    /** The per-epoch log line. */
    public String logLine(int totalEpochs) {
        String validation = Double.isNaN(valLoss) ? "no validation"
                : String.format("val_loss %.4f  val_acc %.4f", valLoss, valAccuracy);
        return String.format("epoch %d/%d  loss %.4f  acc %.4f  %s  lr %.2e  %.1fs  %.0f img/s",
                epoch, totalEpochs, trainLoss, trainAccuracy, validation, learningRate, seconds, imagesPerSecond);
    }
}
