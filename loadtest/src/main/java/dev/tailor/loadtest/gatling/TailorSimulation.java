package dev.tailor.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import dev.tailor.loadtest.Load;
import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.Scenario;
import dev.tailor.loadtest.Thresholds;
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
    private final GrpcChannels channels;

    public TailorSimulation() {
        LoadSettings settings = LoadSettings.fromProperties(System.getProperties());
        TestImages images;
        try {
            images = TestImages.read(settings.data(), settings.images());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        System.setProperty(INJECTION_STARTED, Long.toString(System.currentTimeMillis()));
    }

    @Override
    public void after() {
        if (channels != null) {
            channels.close();
        }
    }
}
