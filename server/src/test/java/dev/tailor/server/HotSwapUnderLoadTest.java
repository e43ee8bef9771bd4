package dev.tailor.server;

import dev.tailor.trainer.data.ImageSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A served model's file is replaced 20 times by rename-over, alternating two real exported models
 * whose answers differ, while HTTP and gRPC clients send two-image requests without pause. No
 * request fails, every answer is one model's whole answer (never rows of both), and every request
 * sent after the model list shows the last file is answered by that file's model. Nothing here
 * depends on timing: each step waits for an observable state.
 */
class HotSwapUnderLoadTest {
    private static final int SWAPS = 20;
    private static final int INPUTS = 6;

    @TempDir
    Path models;

    private record Answer(long sentNanos, char model) {
    }

    @Test
    void replacingAModelTwentyTimesUnderLoadFailsNoRequestAndNeverMixesModels() throws Exception {
        byte[] a = ModelFiles.cnn1();
        byte[] b = ModelFiles.ann();
        Path file = models.resolve("shop.onnx");
        ModelFiles.renameOver(file, a);
        ImageSet images = Fixtures.testImages();
        float[][] pixels = new float[INPUTS][];
        float[][] answersA = new float[INPUTS][];
        float[][] answersB = new float[INPUTS][];
        for (int k = 0; k < INPUTS; k++) {
            pixels[k] = new float[2 * 784];
            images.copyNormalized(2 * k, pixels[k], 0);
            images.copyNormalized(2 * k + 1, pixels[k], 784);
            answersA[k] = Answers.of(a, pixels[k], 2);
            answersB[k] = Answers.of(b, pixels[k], 2);
        }
        try (TestServer server = TestServer.start(models, Map.of("tailor.repository.poll-interval-ms", "500",
                "tailor.batching.max-queue-delay-us", "1000"), new TestObserver());
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            InferCalls calls = new InferCalls(server);
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> running = new ArrayList<>();
            for (String protocol : List.of("rest", "rest", "grpc", "grpc")) {
                running.add(clients.submit(() -> {
                    while (!stop.get()) {
                        int k = next.getAndIncrement() % INPUTS;
                        long sent = System.nanoTime();
                        try {
                            float[] out = protocol.equals("rest") ? calls.rest("shop", "", pixels[k], 2)
                                    : calls.grpc("shop", "", pixels[k], 2);
                            char model = Answers.which(out, answersA[k], answersB[k], 2);
                            if (model == '?') {
                                failures.add(protocol + ": an answer that is neither model's whole answer");
                            } else {
                                answers.add(new Answer(sent, model));
                            }
                        } catch (Exception e) {
                            failures.add(protocol + ": " + e.getMessage());
                        }
                    }
                    return null;
                }));
            }
            List<Long> switchMillis = new ArrayList<>();
            for (int swap = 1; swap <= SWAPS; swap++) {
                byte[] content = swap % 2 == 1 ? b : a;
                String sha = ModelFiles.sha256(content);
                awaitAnswers(answers, answers.size() + 10, failures); // traffic runs across every swap
                long start = System.nanoTime();
                ModelFiles.renameOver(file, content);
                server.awaitEntry("shop.onnx", e -> sha.equals(e.path("sha256").asText()), "swap " + swap + " never served");
                switchMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            long switched = System.nanoTime(); // the list shows the last file: every later lookup gets its model
            char last = SWAPS % 2 == 1 ? 'B' : 'A';
            Eventually.await(Duration.ofMinutes(2), "the clients stopped getting answers",
                    () -> answers.stream().filter(x -> x.sentNanos() > switched).count() >= 40 || !failures.isEmpty());
            stop.set(true);
            for (Future<?> client : running) {
                client.get(2, TimeUnit.MINUTES);
            }

            assertEquals(List.of(), List.copyOf(failures), "failed requests");
            assertTrue(answers.stream().anyMatch(x -> x.model() == 'A') && answers.stream().anyMatch(x -> x.model() == 'B'),
                    "both models answered");
            List<Answer> late = answers.stream().filter(x -> x.sentNanos() > switched).toList();
            assertTrue(late.stream().allMatch(x -> x.model() == last), "a request sent after the last switch was"
                    + " answered by the replaced model");
            assertEquals(1, server.server().repository().models().size(), "one instance serves");
            String info = server.metricsText().lines().filter(l -> l.startsWith("tailor_model_info{")
                    && l.contains("model=\"shop\"")).toList().toString();
            assertEquals(1, info.split("sha256=").length - 1, "the replaced versions' meters are gone: " + info);
            assertTrue(info.contains(ModelFiles.sha256(last == 'A' ? a : b)), info);
            System.out.printf("%d requests answered over %d swaps; file renamed to model list showing it: median %d ms,"
                    + " max %d ms%n", answers.size(), SWAPS, switchMillis.stream().sorted().toList().get(SWAPS / 2),
                    switchMillis.stream().mapToLong(Long::longValue).max().orElse(0));
        }
    }

    private static void awaitAnswers(ConcurrentLinkedQueue<Answer> answers, int count,
                                     ConcurrentLinkedQueue<String> failures) throws Exception {
        Eventually.await(Duration.ofMinutes(2), "the clients stopped getting answers",
                () -> answers.size() >= count || !failures.isEmpty());
    }
}
