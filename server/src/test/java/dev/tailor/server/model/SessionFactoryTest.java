package dev.tailor.server.model;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.tailor.exporter.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where sessions run. Without a GPU here, a stand-in accelerator registers no provider but forbids
 * ORT's CPU fallback, exactly as {@code cuda} does: creating its session then fails in ONNX Runtime
 * itself, as a CUDA session does when CUDA is present but unusable.
 */
class SessionFactoryTest {
    private static final RuntimeSettings CPU = new RuntimeSettings(Device.CPU, 0, 2, 1);
    @TempDir
    static Path dir;
    private static OrtRuntime runtime;
    private static byte[] model;

    @BeforeAll
    static void export() throws Exception {
        runtime = OrtRuntime.of(CPU); // before the exporter's parity check makes an environment of its own
        model = Files.readAllBytes(TestModels.exported("ann", dir));
    }

    @Test
    void autoFallsBackToTheCpuLoudlyWhenTheAcceleratorFailsOnlyAtSessionCreation() throws Exception {
        StandIn gpu = new StandIn(null);
        SessionFactory factory = new SessionFactory(runtime, Device.AUTO, gpu);
        assertEquals("StandInExecutionProvider", factory.provider(), "usable as far as can be told at start");
        List<LogRecord> warnings = capture(() -> {
            SessionFactory.Opened opened = factory.open("ann", model);
            try {
                assertEquals(SessionFactory.CPU, opened.provider(), "the provider the session really runs on");
            } finally {
                opened.session().close();
                opened.options().close();
            }
        });
        assertTrue(warnings.stream().anyMatch(r -> r.getLevel() == Level.WARNING && r.getMessage().contains("ann")
                && r.getMessage().contains("run on the CPU")), "the fallback is logged: " + warnings);
        assertEquals(SessionFactory.CPU, factory.provider());
        try (OnnxModel later = OnnxModel.load(factory, "later", null, model)) {
            assertEquals(SessionFactory.CPU, later.info().provider());
        }
        assertEquals(List.of(false), gpu.strict, "auto tried the accelerator once, leniently, then went to the CPU");
    }

    @Test
    void cudaForbidsOrtsSilentCpuFallbackAndRejectsTheModelInstead() {
        StandIn gpu = new StandIn(null);
        SessionFactory factory = new SessionFactory(runtime, Device.CUDA, gpu);
        OrtException e = assertThrows(OrtException.class, () -> factory.open("ann", model));
        assertTrue(e.getMessage().contains("fallback to CPU EP has been explicitly disabled"), e.getMessage());
        assertEquals(List.of(true), gpu.strict, "cuda asks the accelerator to forbid the CPU fallback");
    }

    @Test
    void cudaThatCannotBeUsedFailsTheStartAndAutoRunsOnTheCpu() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SessionFactory(runtime, Device.CUDA, new StandIn("no GPU in this test")));
        assertTrue(e.getMessage().contains("no GPU in this test"), e.getMessage());
        assertEquals(SessionFactory.CPU, new SessionFactory(runtime, Device.AUTO, new StandIn("no GPU")).provider());
    }

    @Test
    void bytesThatAreNoModelFailOnTheCpuTooUnderAuto() {
        SessionFactory factory = new SessionFactory(runtime, Device.AUTO, new StandIn(null));
        assertThrows(OrtException.class, () -> factory.open("junk", new byte[]{1, 2, 3}));
        assertEquals("StandInExecutionProvider", factory.provider(), "a bad model says nothing about the GPU");
    }

    @Test
    void everySessionRunsOnTheSharedThreadPools() throws Exception {
        assertTrue(runtime.sharesThreads(), runtime.describe());
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            runtime.configureThreads(options);
            // ORT refuses a session without threads of its own unless the environment has the global pools
            try (OrtSession session = runtime.environment().createSession(model, options)) {
                assertEquals(1, session.getInputInfo().size());
            }
        }
        assertTrue(runtime.describe().contains("2 intra-op and 1 inter-op threads shared by all models"), runtime.describe());
    }

    private interface Body {
        void run() throws Exception;
    }

    private static List<LogRecord> capture(Body body) throws Exception {
        Logger logger = Logger.getLogger(SessionFactory.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            body.run();
        } finally {
            logger.removeHandler(handler);
        }
        return records;
    }

    /** Registers no provider; when strict, forbids the CPU fallback as the CUDA accelerator does. */
    private static final class StandIn implements Accelerator {
        final List<Boolean> strict = new ArrayList<>();
        private final String problem;

        StandIn(String problem) {
            this.problem = problem;
        }

        @Override
        public String provider() {
            return "StandInExecutionProvider";
        }

        @Override
        public String problem() {
            return problem;
        }

        @Override
        public void addTo(OrtSession.SessionOptions options, boolean strict) throws OrtException {
            this.strict.add(strict);
            // with or without strictness, a session with no usable GPU nodes fails here, as CUDA's does
            options.addConfigEntry("session.disable_cpu_ep_fallback", "1");
        }
    }
}
