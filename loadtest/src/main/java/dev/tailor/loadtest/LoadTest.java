package dev.tailor.loadtest;

import dev.tailor.loadtest.cpu.ProcCpuClock;
import dev.tailor.loadtest.data.TestImages;
import dev.tailor.loadtest.report.RunCsv;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load-test command ({@code loadtest/run.sh}): checks the target, warms it up, runs the Gatling
 * simulation with the given scenarios, profile and thresholds, snapshots the server's Prometheus
 * metrics before and after beside the HTML report, and prints a one-screen summary. The exit status
 * says whether every threshold held ({@link ExitStatus}). Traffic goes to the target only.
 */
@Command(name = "loadtest/run.sh", sortOptions = false, usageHelpWidth = 120, mixinStandardHelpOptions = false,
        description = {"Runs Gatling load against a running Tailor (or any Open Inference Protocol) server and checks latency "
                + "and error thresholds.", "",
                "Exit status: 0 every threshold held, 1 a threshold was breached, 2 wrong option or missing data, "
                        + "3 target unreachable or model not served, 4 the run itself failed.", ""},
        footer = {"", "Example:", "  loadtest/run.sh --target http://127.0.0.1:8080 --model cnn4b --scenario grpc --profile open \\", "      "
                + "--rate 1500 --duration 60s --p99-ms 25 --max-error-pct 0.1", "",
                "Other commands: loadtest/run.sh accuracy --help (a model's accuracy through the server), "
                        + "loadtest/run.sh ceiling --help (ONNX Runtime in-process, the serving ceiling)."})
public final class LoadTest implements Callable<Integer> {
    @Option(names = "--target", paramLabel = "URL", defaultValue = LoadSettings.Defaults.TARGET,
            description = "The server's base URL; all traffic goes there and nowhere else (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--grpc-port", paramLabel = "PORT",
            description = "gRPC port on the target's host (default: the target's port; Tailor serves gRPC there too).")
    Integer grpcPort;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = LoadSettings.Defaults.MODEL,
            description = "Model to load (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--scenario", paramLabel = "LIST", defaultValue = LoadSettings.Defaults.SCENARIO,
            description = {"What to send, one or a comma list side by side (sharing the load evenly) or all "
                    + "(default: ${DEFAULT-VALUE}):",
                    "  classify  POST /v1/models/{model}/classify, a Fashion-MNIST test image as PNG",
                    "  json      POST /v2/models/{model}/infer, the image as an OIP JSON FP32 tensor",
                    "  binary    the same in Triton's binary tensor format (Inference-Header-Content-Length)",
                    "  grpc      inference.GRPCInferenceService/ModelInfer with raw_input_contents"})
    String scenario;

    @Option(names = "--profile", paramLabel = "NAME", defaultValue = LoadSettings.Defaults.PROFILE,
            description = {"How requests arrive (default: ${DEFAULT-VALUE}):",
                    "  closed   --users requests in flight at all times",
                    "  open     --rate requests/s, evenly spaced, whatever the server does",
                    "  poisson  --rate requests/s on average, random (exponential) gaps",
                    "  bursty   --rate requests/s on average, sent as one burst at once every --burst-period",
                    "  ramp     0 up to --rate requests/s; reports the rate where the server saturated"})
    String profile;

    @Option(names = "--rate", paramLabel = "REQ/S", defaultValue = LoadSettings.Defaults.RATE,
            description = "Arrival rate: open, poisson, bursty's average, ramp's final rate (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--users", paramLabel = "N", defaultValue = LoadSettings.Defaults.USERS,
            description = "Concurrent users of the closed profile (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = LoadSettings.Defaults.DURATION,
            description = "How long the measured load lasts, e.g. 60s, 2m (1s to 4h; default: ${DEFAULT-VALUE}). The run "
                    + "ends at most 20s later, whatever is still in flight.")
    String duration;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "5s",
            description = "Unmeasured load first, so both JVMs are warm (ramp: at a tenth of --rate); 0s skips it "
                    + "(default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--burst-period", paramLabel = "TIME", defaultValue = LoadSettings.Defaults.BURST_PERIOD,
            description = "bursty: every TIME, --rate x TIME requests at once (10ms or more; default: ${DEFAULT-VALUE}).")
    String burstPeriod;

    @Option(names = "--p95-ms", paramLabel = "MS",
            description = "Threshold: the 95th percentile response time must stay below MS (default: not checked).")
    Integer p95Ms;

    @Option(names = "--p99-ms", paramLabel = "MS",
            description = "Threshold: the 99th percentile response time must stay below MS (default: not checked).")
    Integer p99Ms;

    @Option(names = "--max-error-pct", paramLabel = "PCT", defaultValue = LoadSettings.Defaults.MAX_ERROR_PCT,
            description = "Threshold: at most PCT %% of requests may fail (default: ${DEFAULT-VALUE}; 100 disables it).")
    double maxErrorPct;

    @Option(names = "--images", paramLabel = "N", defaultValue = LoadSettings.Defaults.IMAGES,
            description = "How many Fashion-MNIST test images the requests cycle through (1-10000; default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with t10k-images-idx3-ubyte(.gz) (default: $TAILOR_DATA, else /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--results", paramLabel = "DIR",
            description = "Where Gatling's report folders go (default: loadtest/target/gatling).")
    Path results;

    @Option(names = "--server-pid", paramLabel = "PID",
            description = "The local server's process id (target on this machine only): the summary then shows the "
                    + "server's CPU per request over the measured window, from /proc/PID/stat (Linux).")
    Long serverPid;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "Append one line for this run to FILE (a header first when the file is new): label, scenarios, "
                    + "load, requests, ok, ko, req/s, p50/p95/p99 ms, server and load generator CPU per request.")
    Path csv;

    @Option(names = "--label", paramLabel = "TEXT", defaultValue = "",
            description = "The run's label in the --csv line (default: none).")
    String label;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private PrintStream out = System.out;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        // Gatling and gRPC leave non-daemon threads behind; the status is the command's answer
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command with {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        LoadTest command = new LoadTest();
        command.out = out;
        return Commands.execute(command, args, out, err);
    }

    @Override
    public Integer call() {
        LoadSettings settings = settings();
        Duration warm = Durations.parse(warmup);
        if (!warm.isZero() && (warm.compareTo(Duration.ofSeconds(1)) < 0 || warm.compareTo(Duration.ofMinutes(10)) > 0)) {
            throw new IllegalArgumentException("--warmup must be 0s or between 1s and 10m, got " + warmup);
        }
        if (TestImages.find(settings.data()) == null) {
            throw new LoadTestException(ExitStatus.USAGE, "no " + TestImages.FILE + "(.gz) in " + settings.data()
                    + " (install Debian's dataset-fashion-mnist package, or point --data or TAILOR_DATA at the folder)");
        }
        long pid = serverPid == null ? 0 : serverProcess(settings.target());
        TargetClient client = new TargetClient(settings.target());
        Preflight.Result checked = Preflight.check(settings.target(), settings.scenarios(), client);
        settings = new LoadSettings(checked.target(), settings.scenarios(), settings.load(), settings.thresholds(),
                settings.data(), settings.images());
        String title = Scenario.formatList(settings.scenarios()) + " | " + settings.load().describe() + " | model "
                + settings.target().model() + " at " + settings.target().baseUrl();
        out.println("Load test: " + title);
        if (settings.scenarios().contains(Scenario.BINARY) && !checked.binaryTensors()) {
            out.println("note: the target does not advertise the binary_tensor_data extension (GET /v2); "
                    + "expect its binary requests to fail");
        }

        return new LoadRunner(settings, client, out, pid, csv == null ? null : new RunCsv(csv, label)).run(title, warm, resultsDir());
    }

    /** The checked {@code --server-pid}: a process this machine can read, serving a target on this machine. */
    private long serverProcess(Target where) {
        if (!isLocal(where.host())) {
            throw new IllegalArgumentException("--server-pid needs a target on this machine (127.0.0.1, localhost), got "
                    + where.baseUrl());
        }
        try {
            return ProcCpuClock.of(serverPid).pid();
        } catch (IllegalArgumentException e) {
            throw new LoadTestException(ExitStatus.USAGE, "--server-pid " + serverPid + ": " + e.getMessage());
        }
    }

    private static boolean isLocal(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private LoadSettings settings() {
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--target must look like http://host:port, got '" + target + "'");
        }
        Load load = new Load(Profile.parse(profile), rate, users, Durations.parse(duration), Durations.parse(burstPeriod));
        return new LoadSettings(Target.of(uri, grpcPort, model), Scenario.parseList(scenario), load,
                new Thresholds(p95Ms, p99Ms, maxErrorPct),
                data != null ? data : Path.of(LoadSettings.Defaults.data()), images);
    }

    private Path resultsDir() {
        if (results != null) {
            return results;
        }
        try {
            // beside the jar (loadtest/target/loadtest.jar) or the classes folder: loadtest/target/gatling
            Path code = Path.of(LoadTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("gatling");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("target", "gatling");
        }
    }
}
