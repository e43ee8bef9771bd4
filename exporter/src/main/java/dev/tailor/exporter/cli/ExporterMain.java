package dev.tailor.exporter.cli;

import dev.tailor.exporter.ModelExport;
import dev.tailor.exporter.ModelImport;
import dev.tailor.exporter.OnnxExporter;
import dev.tailor.exporter.OnnxImporter;
import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.cli.CliErrors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code exporter export}: a trained run folder to a verified ONNX file; {@code exporter import}:
 * the reverse, so training can continue from a shipped model.
 */
@Command(name = "exporter", mixinStandardHelpOptions = true, version = "Tailor exporter 0.1.0",
        description = "Export trained SameDiff models to ONNX, and import them back for further training.",
        subcommands = {ExporterMain.Export.class, ExporterMain.Import.class})
public final class ExporterMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: usage errors print one line and exit 2, failures exit 1. */
    public static CommandLine commandLine() {
        return CliErrors.install(new CommandLine(new ExporterMain()));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: export or import");
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write a trained model as ONNX, after checking ONNX Runtime matches SameDiff on real test images.")
    static final class Export implements Callable<Integer> {
        @Option(names = "--run-dir", required = true, paramLabel = "DIR", description = "Run folder written by 'trainer train'")
        Path runDir;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "ONNX file to write, e.g. models/cnn4b.onnx")
        Path out;

        @Option(names = "--model-version", paramLabel = "V", description = "Version in the file's metadata (default: the run's)")
        String version;

        @CommandLine.Mixin
        ParityImages parity;

        @Override
        public Integer call() {
            if (!out.getFileName().toString().endsWith(".onnx")) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--out must end in .onnx: " + out);
            }
            TrainedModel model = TrainedModel.load(runDir);
            ModelExport.Result r = new ModelExport(OnnxExporter.standard()).export(model, version, parity.load(), out);
            System.out.println(model.info().architecture() + ": " + r);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Turn an ONNX file written by 'exporter export' back into a run folder that 'trainer train "
                    + "--init-from' and 'trainer eval' read, after checking SameDiff on the read weights matches ONNX "
                    + "Runtime on the file.")
    static final class Import implements Callable<Integer> {
        @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "ONNX file, e.g. models/cnn4b.onnx")
        Path onnx;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder to create (must not hold a model)")
        Path out;

        @CommandLine.Mixin
        ParityImages parity;

        @Override
        public Integer call() {
            // an --out that already holds a model is refused by ModelImport (IllegalArgumentException: exit 2)
            ModelImport.Result r = new ModelImport(new OnnxImporter()).importTo(onnx, parity.load(), out);
            System.out.println(r.model().info().architecture() + ": " + r);
            return 0;
        }
    }
}
