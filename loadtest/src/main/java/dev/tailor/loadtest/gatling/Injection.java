package dev.tailor.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;

import dev.tailor.loadtest.Load;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link Load} into Gatling injection steps. Each virtual user sends one request (the
 * HTTP scenarios share one connection pool, so users are not connections): closed keeps
 * {@code users} of them in flight; open injects them at a constant rate; bursty injects at
 * {@code burstFactor} × rate, with Poisson-like random arrivals, for the first 1/burstFactor of
 * each whole burst period and nothing for the rest; ramp raises the rate linearly from 0.
 */
final class Injection {
    private Injection() {
    }

    static PopulationBuilder apply(ScenarioBuilder scenario, Load load) {
        return switch (load.profile()) {
            case CLOSED -> scenario.injectClosed(constantConcurrentUsers(load.users()).during(load.duration()));
            case OPEN -> scenario.injectOpen(constantUsersPerSec(load.rate()).during(load.duration()));
            case BURSTY -> scenario.injectOpen(bursts(load));
            case RAMP -> scenario.injectOpen(rampUsersPerSec(0).to(load.rate()).during(load.duration()));
        };
    }

    static List<OpenInjectionStep> bursts(Load load) {
        long period = load.burstPeriod().toMillis();
        long on = Math.max(1, Math.round(period / load.burstFactor()));
        long periods = load.duration().toMillis() / period;
        List<OpenInjectionStep> steps = new ArrayList<>();
        for (long i = 0; i < periods; i++) {
            steps.add(constantUsersPerSec(load.rate() * period / on).during(Duration.ofMillis(on)).randomized());
            if (period > on) {
                steps.add(nothingFor(Duration.ofMillis(period - on)));
            }
        }
        return steps;
    }
}
