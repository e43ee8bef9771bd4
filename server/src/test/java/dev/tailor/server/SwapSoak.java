package dev.tailor.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Soak benchmark of hot swap, not a unit test: a real server serves one model while two HTTP and
 * two gRPC clients send requests without pause, and its file is replaced by rename-over, cycle
 * after cycle (A → B → A), each swap waited for in the model list. Resident memory (VmRSS) is read
 * after warm-up cycles and after the last cycle; failed requests are counted. Usage:
 * {@code SwapSoak DIR [CYCLES]} with DIR holding {@code cnn1.onnx} and {@code ann.onnx}
 * ({@link SoakModels} writes them); {@code scripts/soak-swap.sh [CYCLES]} does both (default 100
 * cycles, i.e. 200 swaps).
 */
public final class SwapSoak {
    private static final int WARM_UP_CYCLES = 20; // the JIT and the allocators settle first: their growth is not what is measured
    private static final int PROGRESS_EVERY = 20;
    private static final Logger QUIET = Logger.getLogger("dev.tailor"); // held: a logger's level lives as long as it

    private SwapSoak() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        QUIET.setLevel(Level.WARNING); // 3 log lines per swap would bury the result
        byte[] a = Files.readAllBytes(source.resolve("cnn1.onnx"));
        byte[] b = Files.readAllBytes(source.resolve("ann.onnx"));
        float[] pixels = new float[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 28) / 27f; // a plain gradient: the answers do not matter here, only that they come
        }
        Path models = Files.createTempDirectory("tailor-soak");
        Path file = models.resolve("shop.onnx");
        ModelFiles.renameOver(file, a);
        try (TestServer server = TestServer.start(models, Map.of("tailor.repository.poll-interval-ms", "1000"),
                new TestObserver()); ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            InferCalls calls = new InferCalls(server);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong answered = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<Future<?>> load = new ArrayList<>();
            for (String protocol : List.of("rest", "rest", "grpc", "grpc")) {
                load.add(clients.submit(() -> {
                    while (!stop.get()) {
                        try {
                            if (protocol.equals("rest")) {
                                calls.rest("shop", "", pixels, 1);
                            } else {
                                calls.grpc("shop", "", pixels, 1);
                            }
                            answered.incrementAndGet();
                        } catch (Exception e) {
                            if (failed.incrementAndGet() <= 10) {
                                System.err.println("failed request: " + e.getMessage());
                            }
                        }
                    }
                    return null;
                }));
            }
            swap(server, file, a, b, WARM_UP_CYCLES);
            Memory start = Memory.now();
            long answeredStart = answered.get();
            long t0 = System.nanoTime();
            for (int done = 0; done < cycles; done += PROGRESS_EVERY) {
                swap(server, file, a, b, Math.min(PROGRESS_EVERY, cycles - done));
                System.out.printf(Locale.ROOT, "  %4d cycles: VmRSS %d MB, %d threads%n",
                        Math.min(done + PROGRESS_EVERY, cycles), residentKb() / 1024, statusValue("Threads:"));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Memory end = Memory.now();
            stop.set(true);
            for (Future<?> client : load) {
                client.get(1, TimeUnit.MINUTES);
            }
            long requests = answered.get() - answeredStart;
            System.out.printf(Locale.ROOT, "%d swap cycles (%d swaps) in %.0f s under load: %d requests answered,"
                            + " %d failed, %d instance(s) serving at the end%n", cycles, 2 * cycles, seconds, requests,
                    failed.get(), server.server().repository().models().size());
            System.out.printf(Locale.ROOT, "after %d warm-up cycles: %s%nafter the last cycle:   %s%n"
                    + "VmRSS growth: %+.1f %%%n", WARM_UP_CYCLES, start, end, 100.0 * (end.rssKb - start.rssKb) / start.rssKb);
            if (failed.get() > 0) {
                System.exit(1);
            }
        }
    }

    /** {@code cycles} times: B over A, then A over B, each waited for until the model list shows it. */
    private static void swap(TestServer server, Path file, byte[] a, byte[] b, int cycles) throws Exception {
        String shaA = ModelFiles.sha256(a);
        String shaB = ModelFiles.sha256(b);
        for (int i = 0; i < cycles; i++) {
            ModelFiles.renameOver(file, b);
            server.awaitEntry("shop.onnx", e -> shaB.equals(e.path("sha256").asText()), "B never served");
            ModelFiles.renameOver(file, a);
            server.awaitEntry("shop.onnx", e -> shaA.equals(e.path("sha256").asText()), "A never served");
        }
    }

    /** Resident memory of the process and the Java heap's share of it, read after a full collection. */
    private record Memory(long rssKb, long heapCommittedKb, long heapUsedKb) {
        static Memory now() throws IOException {
            System.gc(); // so that garbage not yet collected does not read as growth
            Runtime runtime = Runtime.getRuntime();
            return new Memory(residentKb(), runtime.totalMemory() / 1024, (runtime.totalMemory() - runtime.freeMemory()) / 1024);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "VmRSS %d MB (Java heap committed %d MB, used %d MB)", rssKb / 1024,
                    heapCommittedKb / 1024, heapUsedKb / 1024);
        }
    }

    private static long residentKb() throws IOException {
        return statusValue("VmRSS:");
    }

    /** A number of /proc/self/status (kB for memory lines). */
    private static long statusValue(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/self/status");
    }
}
