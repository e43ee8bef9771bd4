package dev.tailor.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The trainer flushes subnormal floats to zero on ND4J's threads: each case runs {@link SubnormalProbe}
 * in a fresh JVM, since the mode must be set before ND4J starts its worker threads.
 */
class FlushToZeroTest {

    @Test
    void everyNd4jWorkerThreadReadsSubnormalsAsZero() throws Exception {
        assumeTrue(supported(), "flush-to-zero is implemented for Linux x86-64 on Java 22+ only");
        List<String> out = probe(true);
        assertEquals("active true (flush-to-zero and denormals-are-zero on)", out.get(0), String.join("\n", out));
        assertEquals("nonzero 0 of " + (1 << 22), out.get(1));
    }

    @Test
    void turnedOffTheSameProductKeepsItsSubnormals() throws Exception {
        List<String> out = probe(false);
        assertTrue(out.get(0).startsWith("active false (turned off with -Dtailor.flush-to-zero=false)"), out.get(0));
        assertEquals("nonzero " + (1 << 22) + " of " + (1 << 22), out.get(1));
    }

    @Test
    void theProbeSeesNoFlushWhereItIsNotImplemented() {
        assumeTrue(!supported());
        assertFalse(FlushToZero.enable().active());
    }

    private static boolean supported() {
        return FlushToZero.whyUnsupported().isEmpty();
    }

    private static List<String> probe(boolean flush) throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dtailor.flush-to-zero=" + flush,
                "-cp", System.getProperty("java.class.path"), SubnormalProbe.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the probe JVM did not exit");
        assertEquals(0, p.exitValue(), output);
        return output.lines().filter(l -> l.startsWith("active ") || l.startsWith("nonzero ")).toList();
    }
}
