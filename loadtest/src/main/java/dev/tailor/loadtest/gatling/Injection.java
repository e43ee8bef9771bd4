package dev.tailor.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
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
 * {@code users} of them in flight; open injects them at a constant rate, evenly spaced; poisson
 * at the same rate with random gaps; bursty injects each period's share at once, then nothing
 * until the next period; ramp raises the rate linearly from 0. Bursts use "at once" steps and
 * pauses because Gatling's rate steps count whole seconds (a 250 ms rate step injects nobody).
 */
final class Injection {
    private Injection() {
    }

    static PopulationBuilder apply(ScenarioBuilder scenario, Load load) {
        return switch (load.profile()) {
            case CLOSED -> scenario.injectClosed(constantConcurrentUsers(load.users()).during(load.duration()));
            case OPEN -> scenario.injectOpen(constantUsersPerSec(load.rate()).during(load.duration()));
            case POISSON -> scenario.injectOpen(constantUsersPerSec(load.rate()).during(load.duration()).randomized());
            case BURSTY -> scenario.injectOpen(bursts(load));
            case RAMP -> scenario.injectOpen(rampUsersPerSec(0).to(load.rate()).during(load.duration()));
        };
    }

    static List<OpenInjectionStep> bursts(Load load) {
        long period = load.burstPeriod().toMillis();
        long periods = load.duration().toMillis() / period;
        List<OpenInjectionStep> steps = new ArrayList<>();
        double owed = 0; // carried over, so that the average is the rate even when a burst's share is fractional
        for (long i = 0; i < periods; i++) {
            owed += load.rate() * period / 1000.0;
            int users = (int) Math.floor(owed);
            owed -= users;
            if (users > 0) {
                steps.add(atOnceUsers(users));
            }
            steps.add(nothingFor(Duration.ofMillis(period)));
        }
        return steps;
    }
}
