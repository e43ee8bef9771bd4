package dev.tailor.trainer.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: a progress bar per epoch (images/s, loss, accuracy, ETA) on the
 * console, and one line per epoch (with the process's resident memory) both on the console and
 * appended to the run's log file.
 */
public final class ConsoleProgress implements Trainer.Listener, AutoCloseable {
    private final PrintStream console;
    private final Writer log;
    private final boolean bar;
    private ProgressBar current;

    /** {@code logFile} may be null; {@code bar} false prints only the epoch lines (for CI logs). */
    public ConsoleProgress(PrintStream console, Path logFile, boolean bar) {
        this.console = console;
        this.bar = bar;
        try {
            this.log = logFile == null ? null : Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + logFile, e);
        }
    }

    @Override
    public void epochStart(int epoch, int totalEpochs, int batches) {
        if (bar) {
            current = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + totalEpochs).setInitialMax(batches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                    .setEtaFunction(state -> state.getCurrent() == 0 ? java.util.Optional.empty()
                            : java.util.Optional.of(Duration.ofMillis((long) (ChronoUnit.MILLIS.between(state.getStartInstant(),
                            java.time.Instant.now()) * (double) (state.getMax() - state.getCurrent()) / state.getCurrent()))))
                    .showSpeed().setUnit(" batches", 1).build();
        }
    }

    @Override
    public void batchDone(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
        String status = String.format("loss %.4f acc %.4f %.0f img/s", loss, accuracy, imagesPerSecond);
        if (current != null) {
            current.stepTo(batch);
            current.setExtraMessage(status);
        } else if (batch % Math.max(1, batches / 10) == 0 && batch < batches) {
            // no terminal (CI, nohup): a line every tenth of an epoch instead of a bar
            console.printf("  epoch %d: batch %d/%d  %s%n", epoch, batch, batches, status);
        }
    }

    @Override
    public void epochDone(EpochStats stats, int totalEpochs) {
        if (current != null) {
            current.close();
            current = null;
        }
        // the Java heap's committed size beside the process's: tells the heap's growth from native memory's
        String line = stats.logLine(totalEpochs)
                + ResidentMemory.bytes().stream().mapToObj(b -> String.format("  rss %.2f GB", b / 1e9)).findFirst().orElse("")
                + String.format("  heap %.2f GB", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1e9);
        console.println(line);
        if (log != null) {
            try {
                log.write(LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + line + System.lineSeparator());
                log.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the training log", e);
            }
        }
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
        }
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
