package dev.tailor.loadtest.ceiling;

/**
 * What ONNX Runtime did at one batch size over the measured window: how many runs of how many
 * images in how long, the images per second that makes, and this process's CPU per image.
 */
public record CeilingRow(int batch, long runs, long images, double seconds, double imagesPerSecond, double cpuMicrosPerImage) {
}
