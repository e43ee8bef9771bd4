package dev.tailor.server.batch;

import java.util.Map;

/**
 * One request's share of a batch's outputs: for each output name, the rows of this request's
 * items only, flattened.
 *
 * @param outputs      output name → this request's values
 * @param items        how many items the request carried
 * @param batchSize    how many items the batch it ran in held
 * @param queueNanos   time from submission to the start of the run
 * @param computeNanos time of the ORT run
 */
public record BatchResult(Map<String, float[]> outputs, int items, int batchSize, long queueNanos, long computeNanos) {
}
