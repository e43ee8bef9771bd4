package dev.tailor.loadtest.gatling;

import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.cpu.CpuUse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs {@link TailorSimulation} in this JVM with Gatling's own launcher, as its Maven plugin would
 * in a forked one: the settings go in as {@code loadtest.*} system properties, the results into a
 * new {@code tailorsimulation-<timestamp>} folder under {@code resultsDir}, with the HTML report.
 */
public final class GatlingRunner {
    /** Gatling's exit status when every assertion held. */
    public static final int SUCCESS = 0;
    /** Gatling's exit status when an assertion was breached. */
    public static final int ASSERTIONS_FAILED = 2;

    private GatlingRunner() {
    }

    /**
     * What a run left: Gatling's exit status, the folder of its report (null when it wrote none), and
     * when its injection began, in millis since the epoch (0 when it never began), and the CPU the run
     * cost from then to its end (null when it never began).
     */
    public record Outcome(int status, Path reportDir, long injectionStarted, CpuUse cpu) {
    }

    /**
     * Runs the simulation with {@code settings}; {@code description} appears in the report's header.
     * Without {@code report}, Gatling only records the run (a warm-up needs no report).
     */
    public static Outcome run(LoadSettings settings, Path resultsDir, String description, boolean report) {
        return run(settings, resultsDir, description, report, 0);
    }

    /**
     * The same, also counting the CPU of the local process {@code serverPid} over the run (0: none;
     * the load generator's own CPU is always counted).
     */
    public static Outcome run(LoadSettings settings, Path resultsDir, String description, boolean report, long serverPid) {
        try {
            Files.createDirectories(resultsDir);
            Set<Path> before = folders(resultsDir);
            // a key the previous run set and this one leaves out (a threshold) must not leak into this run
            for (String key : System.getProperties().stringPropertyNames()) {
                if (key.startsWith(LoadSettings.PREFIX)) {
                    System.clearProperty(key);
                }
            }
            for (Map.Entry<String, String> e : settings.toProperties().entrySet()) {
                System.setProperty(e.getKey(), e.getValue());
            }
            if (serverPid > 0) {
                System.setProperty(TailorSimulation.SERVER_PID, Long.toString(serverPid));
            }
            List<String> args = new ArrayList<>(List.of(
                    "-s", TailorSimulation.class.getName(),
                    "-rf", resultsDir.toAbsolutePath().toString(),
                    "-rd", description,
                    "-l", "tailor-loadtest"));
            if (!report) {
                args.add("-nr");
            }
            int status = io.gatling.app.Gatling$.MODULE$.fromArgs(args.toArray(String[]::new));
            Set<Path> created = folders(resultsDir);
            created.removeAll(before);
            Path written = created.stream().filter(dir -> Files.isRegularFile(dir.resolve("index.html"))).findFirst().orElse(null);
            return new Outcome(status, written, Long.parseLong(System.getProperty(TailorSimulation.INJECTION_STARTED, "0")),
                    cpuUse());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CpuUse cpuUse() {
        String own = System.getProperty(TailorSimulation.LOAD_GENERATOR_CPU_NS);
        return own == null ? null : new CpuUse(Long.parseLong(own),
                Long.parseLong(System.getProperty(TailorSimulation.SERVER_CPU_NS, "-1")));
    }

    private static Set<Path> folders(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return new HashSet<>(list.filter(Files::isDirectory).toList());
        }
    }
}
