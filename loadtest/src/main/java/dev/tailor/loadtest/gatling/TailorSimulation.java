package dev.tailor.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import dev.tailor.loadtest.Load;
import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.Scenario;
import dev.tailor.loadtest.Thresholds;
import dev.tailor.loadtest.cpu.CpuMeter;
import dev.tailor.loadtest.cpu.CpuUse;
import dev.tailor.loadtest.cpu.OwnCpuClock;
import dev.tailor.loadtest.cpu.ProcCpuClock;
import dev.tailor.loadtest.data.Payloads;
import dev.tailor.loadtest.data.TestImages;
import dev.tailor.loadtest.grpc.GrpcChannels;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The load test: one Gatling scenario per chosen {@link Scenario}, each fed real Fashion-MNIST
 * test images in order, injected by the chosen profile (the load split evenly between
 * scenarios), with the thresholds as Gatling assertions over all requests. Reads its settings
 * from {@code loadtest.*} system properties ({@link LoadSettings#fromProperties}). The run ends
 * at most {@link Requests#TIMEOUT} after the injection does, whatever is still in flight.
 */
public final class TailorSimulation extends Simulation {
    /**
     * Set, when the injection begins, to that moment in millis since the epoch: Gatling builds the
     * simulation from its class name, so its way back to {@link GatlingRunner} is the same as its
     * settings' way in (a ramp's offered rate is read against this moment).
     */
    static final String INJECTION_STARTED = LoadSettings.PREFIX + "injection-started";
    /** Read: the server process whose CPU the measured window counts (absent: only the load generator's). */
    static final String SERVER_PID = LoadSettings.PREFIX + "server-pid";
    /** Set when the run ends: the load generator's CPU nanoseconds from injection start to the run's end. */
    static final String LOAD_GENERATOR_CPU_NS = LoadSettings.PREFIX + "cpu.load-generator-ns";
    /** Set when the run ends: the server's CPU nanoseconds over the same window (with {@link #SERVER_PID}). */
    static final String SERVER_CPU_NS = LoadSettings.PREFIX + "cpu.server-ns";
    private final GrpcChannels channels;
    private final CpuMeter cpu;
    private CpuMeter.Mark started;

    public TailorSimulation() {
        LoadSettings settings = LoadSettings.fromProperties(System.getProperties());
        TestImages images;
        try {
            images = TestImages.read(settings.data(), settings.images());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String serverPid = System.getProperty(SERVER_PID);
        cpu = new CpuMeter(new OwnCpuClock(), serverPid == null ? null : ProcCpuClock.of(Long.parseLong(serverPid)));
        Payloads payloads = Payloads.build(images, settings.target(), settings.scenarios());
        channels = settings.scenarios().contains(Scenario.GRPC) ? GrpcChannels.open(settings.target()) : null;
        Requests requests = new Requests(settings.target(), payloads, channels);
        Load share = settings.load().share(settings.scenarios().size());

        List<PopulationBuilder> populations = new ArrayList<>();
        for (Scenario s : settings.scenarios()) {
            populations.add(Injection.apply(
                    scenario(s.requestName()).feed(cycle(payloads.count())).exec(requests.of(s)), share));
        }
        setUp(populations)
                .protocols(Requests.protocol(settings.target()))
                .assertions(assertions(settings.thresholds()))
                .maxDuration(settings.load().duration().plus(Requests.TIMEOUT));
    }

    /** The feeder: image indexes 0, 1, …, count-1, 0, 1, … */
    private static Iterator<Map<String, Object>> cycle(int count) {
        return Stream.iterate(0, i -> (i + 1) % count).map(i -> Map.<String, Object>of(Requests.IMAGE, i)).iterator();
    }

    static List<Assertion> assertions(Thresholds t) {
        List<Assertion> assertions = new ArrayList<>();
        if (t.p95Ms() != null) {
            assertions.add(global().responseTime().percentile(95.0).lt(t.p95Ms()));
        }
        if (t.p99Ms() != null) {
            assertions.add(global().responseTime().percentile(99.0).lt(t.p99Ms()));
        }
        assertions.add(global().failedRequests().percent().lte(t.maxErrorPct()));
        return assertions;
    }

    @Override
    public void before() {
        // the window is the run itself: loading images, building payloads and writing the report stay out of it
        started = cpu.mark();
        System.setProperty(INJECTION_STARTED, Long.toString(System.currentTimeMillis()));
    }

    @Override
    public void after() {
        if (started != null) {
            CpuUse used = cpu.since(started);
            System.setProperty(LOAD_GENERATOR_CPU_NS, Long.toString(used.loadGeneratorNanos()));
            System.setProperty(SERVER_CPU_NS, Long.toString(used.serverNanos()));
        }
        if (channels != null) {
            channels.close();
        }
    }
}
