package dev.tailor.trainer.cli;

import dev.tailor.trainer.data.DatasetException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code trainer} command: {@code train}, {@code eval} and {@code eda}. */
@Command(name = "trainer", mixinStandardHelpOptions = true, version = "Tailor trainer 0.1.0",
        description = "Train, evaluate and explore Fashion-MNIST classifiers in SameDiff.",
        subcommands = {TrainCommand.class, EvalCommand.class, EdaCommand.class, BenchCommand.class})
public final class TrainerMain implements Runnable {
    /** Exit code for wrong flags, unknown models and other usage errors. */
    public static final int USAGE_ERROR = 2;
    /** Exit code for a missing or broken dataset, or another failure at run time. */
    public static final int RUN_ERROR = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TrainerMain());
        cli.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see: "
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException && !(ex instanceof DatasetException)) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return USAGE_ERROR;
            }
            commandLine.getErr().println("error: " + ex.getMessage());
            return RUN_ERROR;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train, eval, eda or bench");
    }
}
