package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.DatasetException;
import picocli.CommandLine;

/**
 * How Tailor's command-line tools report errors: a usage error (wrong flag, unknown model, bad
 * value) is one line on stderr and exit code 2; a failure while running (missing dataset, broken
 * file) is one line and exit code 1. No stack traces for expected errors.
 */
public final class CliErrors {
    /** Exit code for wrong flags, unknown models and other usage errors. */
    public static final int USAGE_ERROR = 2;
    /** Exit code for a missing or broken dataset, or another failure at run time. */
    public static final int RUN_ERROR = 1;

    private CliErrors() {
    }

    /** Installs both handlers on {@code cli} and returns it. */
    public static CommandLine install(CommandLine cli) {
        cli.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see: "
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + ex.getMessage());
            boolean usage = ex instanceof IllegalArgumentException && !(ex instanceof DatasetException);
            return usage ? USAGE_ERROR : RUN_ERROR;
        });
        return cli;
    }
}
