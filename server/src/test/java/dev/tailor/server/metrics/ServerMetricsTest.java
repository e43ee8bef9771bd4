package dev.tailor.server.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.spi.MetricsFactoryProvider;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Request meters and a model leaving the repository: a late count must not bring a removed model's meters back. */
class ServerMetricsTest {
    @Test
    void aRequestCountedAsItsModelLeavesDoesNotBringTheMetersBack() throws Exception {
        // a factory and registry of its own, made from the provider: not the process's current factory nor its
        // global registry, which other tests' servers share
        MetricsFactory factory = ServiceLoader.load(MetricsFactoryProvider.class).findFirst().orElseThrow()
                .create(Config.empty(), MetricsConfig.create(), List.of());
        MeterRegistry registry = factory.createMeterRegistry(MetricsConfig.create());
        ServerMetrics metrics = new ServerMetrics(registry);
        String model = "leaving-" + System.nanoTime();
        Set<String> repository = ConcurrentHashMap.newKeySet();
        repository.add(model);
        metrics.request(model, repository::contains, "rest", "200", true, 1_000);
        assertTrue(hasMeters(registry, model), "a known model's requests are counted under its name");

        Thread[] sync = new Thread[1];
        // between this request's check and its count, the model leaves the repository and the sync thread
        // forgets its meters (as ModelSync does): the forgetting either waits for the count or runs first
        metrics.request(model, name -> {
            boolean known = repository.contains(name);
            repository.remove(name);
            sync[0] = Thread.ofPlatform().start(() -> metrics.forget(model));
            long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (sync[0].getState() != Thread.State.WAITING && sync[0].isAlive()) {
                assertTrue(System.nanoTime() < giveUp, "the forgetting neither waited nor finished");
                Thread.onSpinWait();
            }
            return known;
        }, "rest", "200", true, 1_000);
        sync[0].join(TimeUnit.MINUTES.toMillis(1));
        assertFalse(sync[0].isAlive());
        assertFalse(hasMeters(registry, model), "the removed model's meters came back");

        metrics.request(model, repository::contains, "rest", "404", false, 1_000);
        assertFalse(hasMeters(registry, model), "a gone model's later requests are pooled under _unknown");
        factory.close();
    }

    private static boolean hasMeters(MeterRegistry registry, String model) {
        return !registry.meters(m -> model.equals(m.id().tagsMap().get("model"))).isEmpty();
    }
}
