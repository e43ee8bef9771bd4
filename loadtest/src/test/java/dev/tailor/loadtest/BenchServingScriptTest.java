package dev.tailor.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code scripts/bench-serving.sh}'s surface: its help, without building or starting anything. */
class BenchServingScriptTest {
    private static final Path SCRIPT = Path.of(System.getProperty("tailor.root", "..")).resolve("scripts/bench-serving.sh");

    private record Result(int status, String output) {
    }

    private static Result script(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = SCRIPT.toAbsolutePath().toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the script did not end");
        return new Result(process.exitValue(), output);
    }

    @Test
    void helpExitsZeroAndNamesEveryOption() throws Exception {
        Result help = script("--help");

        assertEquals(0, help.status(), help.output());
        for (String option : new String[] {"--model", "--users", "--duration", "--warmup", "--scenarios", "--batches",
                "--ceiling-seconds", "--port", "--out"}) {
            assertTrue(help.output().contains(option), option + " is missing from --help:\n" + help.output());
        }
    }

    @Test
    void aWrongOptionIsOneLine() throws Exception {
        Result wrong = script("--no-such-option");

        assertEquals(2, wrong.status(), wrong.output());
        assertEquals("error: unknown option --no-such-option (see --help)", wrong.output().strip());
    }
}
