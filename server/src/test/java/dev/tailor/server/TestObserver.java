package dev.tailor.server;

import dev.tailor.server.serving.ServingObserver;

/** A {@link ServingObserver} whose warm-ups and batches pass through gates the test opens and closes. */
final class TestObserver implements ServingObserver {
    final Gate warmUps = new Gate();
    final Gate batches = new Gate();

    @Override
    public void warmingUp(String model) throws InterruptedException {
        warmUps.pass();
    }

    @Override
    public void batchStarting(String model, int images) throws InterruptedException {
        batches.pass();
    }
}
