package dev.tailor.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.trainer.model.Weights;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;

/** The trainer command line: errors are one line with exit code 2; train, eval and eda write what they promise. */
class TrainerCliTest {
    @TempDir
    Path dir;

    private record Run(int code, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = TrainerMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, err.toString());
    }

    @Test
    void unknownModelIsAOneLineUsageError() {
        Run r = run("train", "--model", "resnet50", "--out", dir.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("unknown model 'resnet50'") && r.err().contains("cnn4b"), r.err());
    }

    @Test
    void wrongFlagIsAOneLineUsageError() {
        Run r = run("train", "--model", "cnn1", "--out", dir.toString(), "--epocs", "3");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--epocs"), r.err());
    }

    @Test
    void averagingMoreEpochsThanTrainedIsAOneLineUsageError() {
        Run r = run("train", "--model", "cnn1", "--out", dir.toString(), "--epochs", "2", "--average-last", "3");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("epochs to average (3)"), r.err());
    }

    @Test
    void l2AndWeightDecayTogetherIsAOneLineUsageError() {
        Run r = run("train", "--model", "cnn1", "--out", dir.toString(), "--l2", "0.0001", "--weight-decay", "0.05");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("use one of them (--l2 0 with --weight-decay)"), r.err());
    }

    @Test
    void helpDocumentsEveryFlag() {
        CommandLine cli = TrainerMain.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("train", "--help"));
        for (String flag : List.of("--model", "--epochs", "--batch-size", "--lr", "--l2", "--weight-decay", "--label-smoothing",
                "--class-weights", "--augment", "--split", "--seed", "--patience", "--plateau-patience", "--resume", "--init-from", "--average-last", "--distill-from", "--distill-weight",
                "--distill-temperature", "--data")) {
            assertTrue(out.toString().contains(flag), flag + " missing from --help");
        }
    }

    @Test
    void missingDatasetIsARunErrorNamingThePackage() {
        Run r = run("eda", "--out", dir.resolve("eda").toString(), "--data", dir.resolve("none").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("apt-get install -y dataset-fashion-mnist"), r.err());
    }

    @Test
    void evalOfAFolderWithoutAModelSaysHowToTrainOne() {
        Run r = run("eval", "--model-dir", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("model.json is missing") && r.err().contains("trainer train"), r.err());
    }

    @Test
    void trainWritesModelReportAndPlotsAndEvalReadsThem() throws Exception {
        Path out = dir.resolve("run");
        Run train = run("train", "--model", "cnn1", "--epochs", "2", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--out", out.toString(), "--no-progress");
        assertEquals(0, train.code(), train.err());
        for (String f : List.of("model.json", "weights.bin", "model.sd", "report.json", "train.log",
                "training-curves.png", "confusion-matrix.png", "checkpoint/state.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing");
        }
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("cnn1", report.get("architecture").asText());
        assertEquals(2, report.get("history").size());
        assertEquals(10, report.get("test").get("perClass").size());
        assertEquals(10_000, report.get("test").get("count").asInt());
        assertTrue(report.get("test").get("accuracy").asDouble() > 0.5, report.toString());
        assertTrue(report.get("trainImagesPerSecond").asDouble() > 0);
        assertEquals(2, Files.readAllLines(out.resolve("train.log")).size());
        assertTrue(ImageIO.read(out.resolve("training-curves.png").toFile()).getWidth() > 100);

        Run resume = run("train", "--model", "cnn1", "--epochs", "3", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--out", out.toString(), "--no-progress", "--resume");
        assertEquals(0, resume.code(), resume.err());
        assertEquals(3, new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("history").size());

        assertEquals(0, run("eval", "--model-dir", out.toString(), "--limit", "500").code());

        // fine-tuning starts from the run's weights: at a rate too small to learn anything it keeps their accuracy,
        // where random weights would score about 10 %
        double trained = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("test").get("accuracy").asDouble();
        Path tuned = dir.resolve("tuned");
        Run fineTune = run("train", "--model", "cnn1", "--epochs", "1", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--augment", "off", "--lr", "1e-9", "--min-lr", "1e-9", "--out", tuned.toString(),
                "--no-progress", "--init-from", out.toString());
        assertEquals(0, fineTune.code(), fineTune.err());
        JsonNode tunedReport = new ObjectMapper().readTree(tuned.resolve("report.json").toFile());
        assertEquals(trained, tunedReport.get("test").get("accuracy").asDouble(), 0.03, tunedReport.get("test").toString());
        assertEquals(out.toAbsolutePath().normalize().toString(), tunedReport.get("config").get("initFrom").get("run").asText());

        Run wrongArchitecture = run("train", "--model", "cnn2", "--epochs", "1", "--train-limit", "640", "--val-limit", "300",
                "--out", dir.resolve("wrong").toString(), "--no-progress", "--init-from", out.toString());
        assertTrue(wrongArchitecture.code() != 0 && wrongArchitecture.err().contains("not the cnn2"), wrongArchitecture.err());
        Run withResume = run("train", "--model", "cnn1", "--out", tuned.toString(), "--init-from", out.toString(), "--resume");
        assertEquals(2, withResume.code(), withResume.err());
        assertTrue(withResume.err().contains("cannot be combined with --resume"), withResume.err());
    }

    @Test
    void averageWritesTheMeanOfTheRunsWeightsScoredOnTheTestSet() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        assertEquals(0, run("train", "--model", "cnn1", "--epochs", "2", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--out", a.toString(), "--no-progress").code());
        // a fine-tune of a: the two share a starting point, as a soup's members must
        assertEquals(0, run("train", "--model", "cnn1", "--epochs", "1", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--seed", "5", "--out", b.toString(), "--no-progress", "--init-from", a.toString()).code());
        Path soup = dir.resolve("soup");
        Run average = run("average", "--out", soup.toString(), a.toString(), b.toString());
        assertEquals(0, average.code(), average.err());

        Weights wa = Weights.load(a.resolve("weights.bin"));
        Weights wb = Weights.load(b.resolve("weights.bin"));
        Weights mean = Weights.load(soup.resolve("weights.bin"));
        assertEquals(wa.asMap().keySet(), mean.asMap().keySet());
        int differing = 0;
        for (String name : wa.asMap().keySet()) {
            INDArray expected = wa.get(name).add(wb.get(name)).divi(2);
            assertTrue(expected.equalsWithEps(mean.get(name), 1e-6), name + " is not the mean of the two runs'");
            differing += wa.get(name).equalsWithEps(wb.get(name), 1e-6) ? 0 : 1;
        }
        assertTrue(differing > 0, "the fine-tune changed no array, so the mean proves nothing");
        JsonNode info = new ObjectMapper().readTree(soup.resolve("model.json").toFile());
        assertEquals("cnn1", info.get("architecture").asText());
        assertEquals(10_000, info.get("testCount").asInt());
        assertTrue(info.get("testAccuracy").asDouble() > 0.5, info.toString());
        JsonNode members = info.get("trainConfig").get("averageOf");
        assertEquals(2, members.size());
        assertEquals(b.toAbsolutePath().normalize().toString(), members.get(1).get("run").asText());
        assertTrue(Files.isRegularFile(soup.resolve("model.sd")));

        Path other = dir.resolve("other");
        assertEquals(0, run("train", "--model", "cnn2", "--epochs", "1", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--out", other.toString(), "--no-progress").code());
        Run mixed = run("average", "--out", dir.resolve("mixed").toString(), a.toString(), other.toString());
        assertEquals(2, mixed.code(), mixed.err());
        assertTrue(mixed.err().contains("only one architecture averages"), mixed.err());
        Run single = run("average", "--out", dir.resolve("single").toString(), a.toString());
        assertEquals(2, single.code(), single.err());
        assertTrue(single.err().contains("RUN_DIR"), single.err());
    }

    @Test
    void distillingLearnsFromTheTeachersAnswersAndRecordsThem() throws Exception {
        Path teacher = dir.resolve("teacher");
        assertEquals(0, run("train", "--model", "cnn1", "--epochs", "2", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--out", teacher.toString(), "--no-progress").code());
        // weight 1: the labels take no part, so the student learns from the teacher's answers alone
        Path student = dir.resolve("student");
        Run distil = run("train", "--model", "cnn2", "--epochs", "2", "--batch-size", "64", "--train-limit", "640",
                "--val-limit", "300", "--out", student.toString(), "--no-progress", "--distill-from", teacher.toString(),
                "--distill-weight", "1", "--distill-temperature", "1.5");
        assertEquals(0, distil.code(), distil.err());
        JsonNode report = new ObjectMapper().readTree(student.resolve("report.json").toFile());
        JsonNode distillation = report.get("config").get("distillation");
        assertEquals(teacher.toAbsolutePath().normalize().toString(), distillation.get("teachers").get(0).get("run").asText());
        assertEquals("cnn1", distillation.get("teachers").get(0).get("architecture").asText());
        assertEquals(1.0, distillation.get("weight").asDouble());
        assertEquals(1.5, distillation.get("temperature").asDouble());
        assertTrue(report.get("test").get("accuracy").asDouble() > 0.5, report.get("test").toString());

        Run badWeight = run("train", "--model", "cnn1", "--out", dir.resolve("bad").toString(),
                "--distill-from", teacher.toString(), "--distill-weight", "0");
        assertEquals(2, badWeight.code(), badWeight.err());
        assertTrue(badWeight.err().contains("--distill-weight must lie in (0, 1]"), badWeight.err());
    }

    @Test
    void refitOnTheWholeTrainingSetHasNoValidationAndKeepsTheLastEpoch() throws Exception {
        Path out = dir.resolve("refit");
        Run plateau = run("train", "--model", "cnn1", "--split", "all", "--out", out.toString());
        assertEquals(2, plateau.code(), plateau.err());
        assertTrue(plateau.err().contains("--split all") && plateau.err().contains("--patience 0"), plateau.err());

        Run refit = run("train", "--model", "cnn1", "--split", "all", "--schedule", "cosine", "--patience", "0",
                "--epochs", "2", "--batch-size", "64", "--train-limit", "640", "--out", out.toString(), "--no-progress",
                "--weight-decay", "0.05");
        assertEquals(0, refit.code(), refit.err());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        // --weight-decay alone replaces the default L2 instead of adding to it
        assertEquals(0.05, report.get("config").get("weightDecay").asDouble());
        assertEquals(0.0, report.get("config").get("l2").asDouble());
        assertEquals(640, report.get("config").get("trainImages").asInt());
        assertEquals(0, report.get("config").get("validationImages").asInt());
        assertEquals(2, report.get("bestEpoch").asInt(), "without validation the last epoch is the model");
        assertEquals(10_000, report.get("test").get("count").asInt());
        assertTrue(report.get("test").get("accuracy").asDouble() > 0.5, report.get("test").toString());
        assertTrue(Files.readString(out.resolve("train.log")).contains("no validation"));

        Run resumed = run("train", "--model", "cnn1", "--split", "all", "--schedule", "cosine", "--patience", "0",
                "--epochs", "3", "--batch-size", "64", "--train-limit", "640", "--out", out.toString(), "--no-progress",
                "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(3, new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("bestEpoch").asInt());
    }

    @Test
    void edaWritesFourPngs() throws Exception {
        Path out = dir.resolve("eda");
        assertEquals(0, run("eda", "--out", out.toString(), "--pca-samples", "800").code());
        for (String f : List.of("class-distribution.png", "samples.png", "pca-scatter.png", "explained-variance.png")) {
            assertTrue(ImageIO.read(out.resolve(f).toFile()).getHeight() > 100, f);
        }
    }
}
