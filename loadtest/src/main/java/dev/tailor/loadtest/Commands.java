package dev.tailor.loadtest;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Runs one of the load test's picocli commands the way all of them run: a wrong option, an
 * {@link IllegalArgumentException} from checking one, or a {@link LoadTestException} becomes one
 * line {@code error: ...} on {@code err} with its exit status ({@link ExitStatus}); anything else
 * is a bug and keeps its stack trace.
 */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code command} with {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    public static int execute(Object command, String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("error: " + e.getMessage() + " (see --help)");
            return ExitStatus.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof LoadTestException problem) {
                err.println("error: " + problem.getMessage());
                return problem.exitStatus();
            }
            if (e instanceof IllegalArgumentException wrong) {
                err.println("error: " + wrong.getMessage() + " (see --help)");
                return ExitStatus.USAGE;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
