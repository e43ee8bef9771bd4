package dev.tailor.trainer.report;

import dev.tailor.trainer.train.EpochStats;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/** PNG charts of a training run: loss and accuracy curves side by side, and the confusion matrix. */
public final class Plots {
    private Plots() {
    }

    /** Training and validation loss (left) and accuracy (right) per epoch; no validation curves in a run without validation. */
    public static void trainingCurves(List<EpochStats> history, String title, Path png) {
        double[] epochs = history.stream().mapToDouble(EpochStats::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(600).height(420).title(title + ": loss").xAxisTitle("epoch").yAxisTitle("loss").build();
        loss.addSeries("train", epochs, history.stream().mapToDouble(EpochStats::trainLoss).toArray());
        boolean validated = history.stream().noneMatch(e -> Double.isNaN(e.valLoss()));
        if (validated) {
            loss.addSeries("validation", epochs, history.stream().mapToDouble(EpochStats::valLoss).toArray());
        }
        XYChart acc = new XYChartBuilder().width(600).height(420).title(title + ": accuracy").xAxisTitle("epoch").yAxisTitle("accuracy").build();
        acc.addSeries("train", epochs, history.stream().mapToDouble(EpochStats::trainAccuracy).toArray());
        if (validated) {
            acc.addSeries("validation", epochs, history.stream().mapToDouble(EpochStats::valAccuracy).toArray());
        }
        sideBySide(List.of(loss, acc), png);
    }

    /** Confusion matrix heat map, rows = true class, columns = predicted class. */
    public static void confusionMatrix(int[][] confusion, List<String> labels, String title, Path png) {
        HeatMapChart chart = new HeatMapChartBuilder().width(760).height(640).title(title)
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1);
        chart.getStyler().setXAxisLabelRotation(45);
        List<Number[]> cells = new ArrayList<>();
        int k = labels.size();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[]{p, k - 1 - t, confusion[t][p]}); // true class 0 at the top
            }
        }
        List<String> reversed = new ArrayList<>(labels);
        java.util.Collections.reverse(reversed);
        chart.addSeries("count", labels, reversed, cells);
        save(chart, png);
    }

    /** Writes one chart as PNG. */
    public static void save(Chart<?, ?> chart, Path png) {
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }

    /** Draws charts next to each other into one PNG. */
    public static void sideBySide(List<? extends Chart<?, ?>> charts, Path png) {
        int width = charts.stream().mapToInt(Chart::getWidth).sum();
        int height = charts.stream().mapToInt(Chart::getHeight).max().orElse(1);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        int x = 0;
        for (Chart<?, ?> c : charts) {
            BufferedImage part = BitmapEncoder.getBufferedImage(c);
            g.drawImage(part, x, 0, null);
            x += c.getWidth();
        }
        g.dispose();
        try {
            ImageIO.write(image, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}
