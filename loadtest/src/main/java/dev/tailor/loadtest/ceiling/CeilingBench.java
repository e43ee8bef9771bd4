package dev.tailor.loadtest.ceiling;

import static dev.tailor.loadtest.report.CsvFile.number;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.tailor.loadtest.Commands;
import dev.tailor.loadtest.ExitStatus;
import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.LoadTestException;
import dev.tailor.loadtest.cpu.OwnCpuClock;
import dev.tailor.loadtest.data.TestImages;
import dev.tailor.loadtest.report.CsvFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The serving ceiling ({@code loadtest/run.sh ceiling}): a model in ONNX Runtime in this process at
 * several batch sizes ({@link OrtCeiling}), each warmed up and then run for a fixed time on real
 * test images, printing images/s and this process's CPU per image (the OS's process CPU time over
 * the measured window). A server's requests/s and CPU per request are judged against these.
 */
@Command(name = "loadtest/run.sh ceiling", sortOptions = false, usageHelpWidth = 120,
        description = {"Runs a model in ONNX Runtime in-process at each batch size on real Fashion-MNIST test images and prints "
                + "images/s and CPU microseconds per image: the ceiling a server on this machine is measured against.", "",
                "Exit status: 0 done, 2 wrong option or missing model or data, 4 ONNX Runtime failed during the run.", ""},
        footer = {"", "Example:", "  loadtest/run.sh ceiling --model-file models/cnn4b.onnx --batches 1,8,32,128 --seconds 10"})
public final class CeilingBench implements Callable<Integer> {
    /** The columns of {@code --csv}. */
    public static final List<String> CSV_COLUMNS = List.of("model", "batch", "intra_op_threads", "seconds", "runs", "images",
            "images_per_s", "cpu_us_per_image");

    @Option(names = "--model-file", paramLabel = "FILE", required = true,
            description = "The ONNX model, taking FP32 [N, 1, 28, 28] images, e.g. models/cnn4b.onnx.")
    Path modelFile;

    @Option(names = "--batches", paramLabel = "LIST", split = ",", defaultValue = "1,8,32,128",
            description = "Batch sizes, measured in this order (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10",
            description = "Measured time per batch size, may be fractional (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "2",
            description = "Unmeasured time before each batch size's window (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--intra-op-threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime's intra-op threads; 0 = one per core, as the server's default (default: ${DEFAULT-VALUE}).")
    int intraOpThreads;

    @Option(names = "--session-config", paramLabel = "KEY=VALUE",
            description = "A session configuration entry, repeatable, e.g. session.intra_op.allow_spinning=0 (default: none).")
    Map<String, String> sessionConfig = new LinkedHashMap<>();

    @Option(names = "--images", paramLabel = "N", defaultValue = "1000",
            description = "How many test images the batches cycle through (1-10000; default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with t10k-images-idx3-ubyte(.gz) (default: $TAILOR_DATA, else /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "Append one line per batch size to FILE (a header first when the file is new).")
    Path csv;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private PrintStream out = System.out;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command with {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CeilingBench command = new CeilingBench();
        command.out = out;
        return Commands.execute(command, args, out, err);
    }

    @Override
    public Integer call() {
        check();
        int threads = intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
        if (!Files.isRegularFile(modelFile)) {
            throw new LoadTestException(ExitStatus.USAGE, "no model file " + modelFile);
        }
        TestImages testImages;
        try {
            testImages = TestImages.read(data != null ? data : Path.of(LoadSettings.Defaults.data()), images);
        } catch (IOException e) {
            throw new LoadTestException(ExitStatus.USAGE, e.getMessage());
        }
        OwnCpuClock cpu = new OwnCpuClock();
        List<CeilingRow> rows = new ArrayList<>();
        try (OrtCeiling ceiling = open(threads)) {
            out.printf(Locale.ROOT, "ONNX Runtime %s in-process: %s, input %s, %d intra-op thread(s)%s, %d test images%n",
                    OrtEnvironment.getEnvironment().getVersion(), modelFile, ceiling.describeInput(), threads,
                    sessionConfig.isEmpty() ? "" : ", " + sessionConfig, testImages.count());
            out.printf(Locale.ROOT, "each batch size: %s s warm-up, then %s s measured; CPU = this process's, all threads, "
                    + "over the measured window%n", number(warmupSeconds, 3), number(seconds, 3));
            out.println("| batch | images/s | CPU us/image | runs |");
            out.println("|---:|---:|---:|---:|");
            for (int batch : batches) {
                CeilingRow row = ceiling.measure(batch, testImages, duration(warmupSeconds), duration(seconds), cpu);
                rows.add(row);
                out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %d |%n", row.batch(), row.imagesPerSecond(), row.cpuMicrosPerImage(),
                        row.runs());
            }
        } catch (OrtException e) {
            throw new LoadTestException(ExitStatus.FAILED, "ONNX Runtime failed on " + modelFile + ": " + oneLine(e.getMessage()));
        }
        CeilingRow best = rows.stream().max(Comparator.comparingDouble(CeilingRow::imagesPerSecond)).orElseThrow();
        out.printf(Locale.ROOT, "best: batch %d, %.1f images/s, %.1f CPU us/image%n", best.batch(), best.imagesPerSecond(),
                best.cpuMicrosPerImage());
        if (csv != null) {
            write(rows, threads);
        }
        return ExitStatus.PASSED;
    }

    private void check() {
        if (batches.isEmpty() || batches.stream().anyMatch(b -> b < 1 || b > 4096)) {
            throw new IllegalArgumentException("--batches must be sizes between 1 and 4096, got " + batches);
        }
        if (!(seconds > 0) || seconds > 3600) {
            throw new IllegalArgumentException("--seconds must be > 0 and <= 3600, got " + seconds);
        }
        if (!(warmupSeconds >= 0) || warmupSeconds > 600) {
            throw new IllegalArgumentException("--warmup-seconds must be between 0 and 600, got " + warmupSeconds);
        }
        if (intraOpThreads < 0 || intraOpThreads > 1024) {
            throw new IllegalArgumentException("--intra-op-threads must be between 0 and 1024, got " + intraOpThreads);
        }
        if (images < 1 || images > 10_000) {
            throw new IllegalArgumentException("--images must be between 1 and 10000, got " + images);
        }
    }

    private OrtCeiling open(int threads) {
        try {
            return OrtCeiling.open(modelFile, threads, sessionConfig);
        } catch (OrtException e) {
            throw new LoadTestException(ExitStatus.USAGE, "ONNX Runtime cannot load " + modelFile + ": " + oneLine(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new LoadTestException(ExitStatus.USAGE, e.getMessage());
        }
    }

    private void write(List<CeilingRow> rows, int threads) {
        List<List<String>> lines = new ArrayList<>();
        for (CeilingRow r : rows) {
            lines.add(List.of(modelFile.toString(), Integer.toString(r.batch()), Integer.toString(threads), number(r.seconds(), 3),
                    Long.toString(r.runs()), Long.toString(r.images()), number(r.imagesPerSecond(), 1),
                    number(r.cpuMicrosPerImage(), 1)));
        }
        try {
            new CsvFile(csv, CSV_COLUMNS).append(lines);
        } catch (IOException e) {
            throw new LoadTestException(ExitStatus.FAILED, "cannot append to --csv " + csv + ": " + e.getMessage());
        }
        out.println("csv: " + rows.size() + " line(s) appended to " + csv);
    }

    private static Duration duration(double seconds) {
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }

    private static String oneLine(String text) {
        String line = text == null ? "" : text.replaceAll("\\s+", " ").strip();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
