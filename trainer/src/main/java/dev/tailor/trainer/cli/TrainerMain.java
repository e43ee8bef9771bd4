package dev.tailor.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code trainer} command: {@code train}, {@code eval}, {@code average}, {@code eda} and {@code bench}. */
@Command(name = "trainer", mixinStandardHelpOptions = true, version = "Tailor trainer 0.1.0",
        description = "Train, evaluate and explore Fashion-MNIST classifiers in SameDiff.",
        subcommands = {TrainCommand.class, EvalCommand.class, AverageCommand.class, EdaCommand.class,
                BenchCommand.class})
public final class TrainerMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // both must run before anything loads ND4J: its worker threads inherit the FP mode, JavaCPP reads the limits once
        FlushToZero.Outcome subnormals = FlushToZero.enable();
        if (!subnormals.active()) {
            System.err.println("warning: subnormal floats are not flushed to zero (" + subnormals.detail()
                    + "); a well-fitted model may train several times slower");
        }
        NativeMemoryLimits.applyDefaults();
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line. */
    public static CommandLine commandLine() {
        return CliErrors.install(new CommandLine(new TrainerMain()));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train, eval, average, eda or bench");
    }
}
