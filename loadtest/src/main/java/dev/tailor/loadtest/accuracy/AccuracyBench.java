package dev.tailor.loadtest.accuracy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.loadtest.Commands;
import dev.tailor.loadtest.ExitStatus;
import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.LoadTestException;
import dev.tailor.loadtest.Target;
import dev.tailor.loadtest.TargetClient;
import dev.tailor.loadtest.data.Payloads;
import dev.tailor.loadtest.data.TestImages;
import dev.tailor.loadtest.data.TestLabels;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures a served model's accuracy through the server's own classify path: sends each
 * Fashion-MNIST test image as a PNG to {@code POST /v1/models/{model}/classify}, exactly as a shop's
 * backend would, and prints accuracy, macro F1 and per-class F1 ({@code loadtest/run.sh accuracy}).
 * Every image must be answered: one failed request fails the run, since a partial accuracy would mislead.
 * With {@code --predictions} it keeps each image's answer, and with {@code --compare} it tests an earlier
 * run's answers against this one's ({@link McNemar}), image by image.
 */
@Command(name = "loadtest/run.sh accuracy", sortOptions = false, usageHelpWidth = 120,
        description = {"Sends the Fashion-MNIST test images through a running server's classify API and prints the "
                + "model's accuracy, macro F1 and per-class F1.", "",
                "Exit status: 0 done (and at least --min-accuracy), 1 below --min-accuracy, 2 wrong option or missing data, "
                        + "3 target unreachable or model not ready, 4 a request failed.", ""},
        footer = {"", "Examples:", "  loadtest/run.sh accuracy --target http://127.0.0.1:8080 --model cnn4b --min-accuracy 0.94",
                "  loadtest/run.sh accuracy --model miniresnet --predictions shipped.csv",
                "  loadtest/run.sh accuracy --model miniresnet-candidate --compare shipped.csv"})
public final class AccuracyBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--target", paramLabel = "URL", defaultValue = LoadSettings.Defaults.TARGET,
            description = "The server's base URL (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = LoadSettings.Defaults.MODEL,
            description = "Model to measure (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--images", paramLabel = "N", defaultValue = "10000",
            description = "How many test images, from the first (1-10000; default: ${DEFAULT-VALUE}, the whole test set).")
    int images;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8",
            description = "Requests in flight at once (1-256; default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--min-accuracy", paramLabel = "FRACTION",
            description = "Exit 1 when the accuracy is below this, e.g. 0.94 (default: not checked).")
    Double minAccuracy;

    @Option(names = "--predictions", paramLabel = "FILE",
            description = "Also write each image's label and predicted class to FILE (CSV: image,label,predicted), "
                    + "to compare with another model's run later (--compare).")
    Path predictionsFile;

    @Option(names = "--compare", paramLabel = "FILE",
            description = "A predictions file from an earlier run on the same images: print how many images only one "
                    + "of the two runs got right and McNemar's exact p-value (is the difference more than chance?).")
    Path compareFile;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with the t10k IDX files (default: $TAILOR_DATA, else /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private PrintStream out = System.out;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command with {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        AccuracyBench command = new AccuracyBench();
        command.out = out;
        return Commands.execute(command, args, out, err);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (images < 1 || images > 10_000) {
            throw new IllegalArgumentException("--images must be between 1 and 10000, got " + images);
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("--concurrency must be between 1 and 256, got " + concurrency);
        }
        if (minAccuracy != null && !(minAccuracy >= 0 && minAccuracy <= 1)) {
            throw new IllegalArgumentException("--min-accuracy must be a fraction between 0 and 1, got " + minAccuracy);
        }
        Target where = Target.of(uri(target), null, model);
        Path dir = data != null ? data : Path.of(LoadSettings.Defaults.data());
        TestImages testImages;
        TestLabels labels;
        try {
            testImages = TestImages.read(dir, images);
            labels = TestLabels.read(dir, images);
        } catch (IOException e) {
            throw new LoadTestException(ExitStatus.USAGE, e.getMessage());
        }
        if (testImages.count() != labels.count()) {
            throw new LoadTestException(ExitStatus.USAGE, "the test set holds " + testImages.count() + " images but "
                    + labels.count() + " labels");
        }
        Predictions earlier = compareFile == null ? null : earlierRun(labels);
        TargetClient.Answer ready = new TargetClient(where).get("/v2/models/" + model + "/ready", "application/json");
        if (ready.status() != 200) {
            throw new LoadTestException(ExitStatus.TARGET, "model '" + model + "' is not ready at " + where.baseUrl()
                    + " (GET /v2/models/" + model + "/ready answered " + ready.status() + ")");
        }

        out.printf(Locale.ROOT, "Accuracy of '%s' at %s: %d test images as PNG through POST /v1/models/%s/classify, %d in flight%n",
                model, where.baseUrl(), testImages.count(), model, concurrency);
        long start = System.nanoTime();
        Outcome outcome = classifyAll(where, testImages, labels);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (outcome.failure() != null) {
            throw new LoadTestException(ExitStatus.FAILED, outcome.failure());
        }
        print(outcome, seconds);
        if (predictionsFile != null) {
            try {
                outcome.predictions().write(predictionsFile);
            } catch (IOException e) {
                throw new LoadTestException(ExitStatus.USAGE, "cannot write --predictions " + predictionsFile + ": " + e);
            }
            out.println("predictions written to " + predictionsFile);
        }
        if (earlier != null) {
            printComparison(McNemar.of(outcome.predictions(), earlier));
        }
        if (minAccuracy != null && outcome.matrix().accuracy() < minAccuracy) {
            out.printf(Locale.ROOT, "BELOW THRESHOLD: accuracy %.4f < %.4f%n", outcome.matrix().accuracy(), minAccuracy);
            return ExitStatus.BREACHED;
        }
        return ExitStatus.PASSED;
    }

    private record Outcome(ConfusionMatrix matrix, Predictions predictions, String version, String failure) {
    }

    /** Reads --compare before anything is sent, so a wrong file costs no run. */
    private Predictions earlierRun(TestLabels labels) {
        Predictions earlier;
        try {
            earlier = Predictions.read(compareFile, TestLabels.NAMES.size());
        } catch (IOException e) {
            throw new LoadTestException(ExitStatus.USAGE, "cannot read --compare " + compareFile + ": " + e.getMessage());
        }
        if (earlier.count() != labels.count()) {
            throw new LoadTestException(ExitStatus.USAGE, "--compare " + compareFile + " holds " + earlier.count()
                    + " images, this run sends " + labels.count() + " (--images)");
        }
        for (int i = 0; i < labels.count(); i++) {
            if (earlier.labels()[i] != labels.label(i)) {
                throw new LoadTestException(ExitStatus.USAGE, "--compare " + compareFile + " gives image " + i + " label "
                        + earlier.labels()[i] + ", the test set " + labels.label(i) + ": not a run on these test images");
            }
        }
        return earlier;
    }

    private Outcome classifyAll(Target where, TestImages testImages, TestLabels labels) throws InterruptedException {
        int[] truth = IntStream.range(0, testImages.count()).map(labels::label).toArray();
        // each answer writes its own slot; the semaphore's release/acquire publishes it to this thread
        int[] predictedClass = new int[testImages.count()];
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicReference<String> version = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(concurrency);
        URI uri = URI.create(where.baseUrl() + "/v1/models/" + model + "/classify?top_k=1");
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            for (int i = 0; i < testImages.count() && failure.get() == null; i++) {
                inFlight.acquire();
                int image = i;
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "image/png").header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(Payloads.png(testImages, image))).build();
                CompletableFuture<HttpResponse<String>> sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
                sent.whenComplete((response, error) -> {
                    try {
                        if (error != null) {
                            failure.compareAndSet(null, "image " + image + ": " + error);
                        } else if (response.statusCode() != 200) {
                            failure.compareAndSet(null, "image " + image + ": HTTP " + response.statusCode() + " "
                                    + oneLine(response.body()));
                        } else {
                            JsonNode body = JSON.readTree(response.body());
                            int predicted = body.path("results").path(0).path("predictions").path(0).path("index").asInt(-1);
                            if (predicted < 0 || predicted >= TestLabels.NAMES.size()) {
                                failure.compareAndSet(null, "image " + image + ": no class index in " + oneLine(response.body()));
                            } else {
                                version.compareAndSet(null, body.path("version").asText(""));
                                predictedClass[image] = predicted;
                            }
                        }
                    } catch (IOException e) {
                        failure.compareAndSet(null, "image " + image + ": unreadable answer: " + e.getMessage());
                    } finally {
                        inFlight.release();
                    }
                });
            }
            inFlight.acquire(concurrency); // every answer is in
        }
        Predictions predictions = new Predictions(truth, predictedClass);
        return new Outcome(ConfusionMatrix.of(predictions, TestLabels.NAMES.size()), predictions, version.get(), failure.get());
    }

    private void print(Outcome outcome, double seconds) {
        ConfusionMatrix m = outcome.matrix();
        out.printf(Locale.ROOT, "model %s version %s: %d of %d right%n", model,
                outcome.version() == null || outcome.version().isEmpty() ? "?" : outcome.version(), m.correct(), m.total());
        out.printf(Locale.ROOT, "accuracy %.4f   macro F1 %.4f   (%.1f s, %.0f images/s)%n", m.accuracy(), m.macroF1(),
                seconds, m.total() / seconds);
        out.println("| class | precision | recall | F1 |");
        out.println("|---|---|---|---|");
        for (int c = 0; c < TestLabels.NAMES.size(); c++) {
            out.printf(Locale.ROOT, "| %s | %.4f | %.4f | %.4f |%n", TestLabels.NAMES.get(c), m.precision(c), m.recall(c), m.f1(c));
        }
    }

    private void printComparison(McNemar test) {
        out.printf(Locale.ROOT, "against %s: only this run right on %d images, only the earlier run on %d "
                + "(net %+d); McNemar's exact p = %.3g: %s%n", compareFile, test.onlyFirst(), test.onlySecond(),
                test.onlyFirst() - test.onlySecond(), test.pValue(),
                test.pValue() < 0.05 ? "a real difference (p < 0.05)" : "not a real difference (p >= 0.05)");
    }

    private static URI uri(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--target must look like http://host:port, got '" + text + "'");
        }
    }

    private static String oneLine(String text) {
        String line = text == null ? "" : text.replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
