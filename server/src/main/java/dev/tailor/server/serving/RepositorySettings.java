package dev.tailor.server.serving;

import dev.tailor.server.batch.BatchSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * How the models folder is followed and its models loaded.
 *
 * @param folder           the models folder
 * @param watch            whether to watch it for changes (besides looking every {@code pollInterval})
 * @param pollInterval     how often to look at the whole folder anyway (watch events can be lost)
 * @param settle           how long a file must stay unchanged before it is loaded
 * @param warmupIterations warm-up runs (of batch 1 and max-batch-size) before a model serves
 * @param drainGrace       how long shutdown waits for the requests a model holds
 * @param versionPolicy    which numbered versions to serve, by model name
 * @param batching         batching settings, by model name
 */
public record RepositorySettings(Path folder, boolean watch, Duration pollInterval, Duration settle,
                                 int warmupIterations, Duration drainGrace,
                                 Function<String, VersionPolicy> versionPolicy,
                                 Function<String, BatchSettings> batching) {
    public RepositorySettings {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("tailor.repository.poll-interval-ms must be > 0");
        }
        if (settle.isNegative()) {
            throw new IllegalArgumentException("tailor.repository.settle-ms must be >= 0");
        }
    }
}
