package dev.tailor.trainer.eda;

import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.Rng;
import dev.tailor.trainer.data.StratifiedSplit;
import dev.tailor.trainer.report.Plots;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seed 000's exploratory analysis as PNGs: class distribution of the train/validation split and
 * the official test set, a grid of sample images per class, a 2-D PCA scatter coloured by class
 * and the cumulative explained-variance curve.
 */
public final class Eda {
    private static final int SAMPLES_PER_CLASS = 10;
    private final FashionMnist data;
    private final long seed;

    public Eda(FashionMnist data, long seed) {
        this.data = data;
        this.seed = seed;
    }

    /** Writes the four PNGs into {@code out} and returns their paths. */
    public List<Path> writeAll(Path out, int pcaSamples) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
        List<Path> written = new ArrayList<>();
        written.add(classDistribution(out.resolve("class-distribution.png")));
        written.add(sampleGrid(out.resolve("samples.png")));
        Pca pca = Pca.fit(sample(pcaSamples));
        written.add(pcaScatter(pca, out.resolve("pca-scatter.png")));
        written.add(explainedVariance(pca, out.resolve("explained-variance.png")));
        return written;
    }

    Path classDistribution(Path png) {
        List<int[]> parts = StratifiedSplit.split(data.train().labels(), FashionMnist.NUM_CLASSES, new double[]{0.8, 0.2}, seed);
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title("Class distribution")
                .xAxisTitle("class").yAxisTitle("images").build();
        chart.getStyler().setXAxisLabelRotation(45);
        chart.addSeries("train (80%)", FashionMnist.LABELS, counts(data.train().subset(parts.get(0))));
        chart.addSeries("validation (20%)", FashionMnist.LABELS, counts(data.train().subset(parts.get(1))));
        chart.addSeries("test (official)", FashionMnist.LABELS, counts(data.test()));
        Plots.save(chart, png);
        return png;
    }

    Path sampleGrid(Path png) {
        int scale = 3;
        int cell = 28 * scale;
        int labelWidth = 110;
        BufferedImage img = new BufferedImage(labelWidth + SAMPLES_PER_CLASS * cell, FashionMnist.NUM_CLASSES * cell,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        ImageSet train = data.train();
        for (int c = 0; c < FashionMnist.NUM_CLASSES; c++) {
            g.setColor(Color.BLACK);
            g.drawString(FashionMnist.LABELS.get(c), 6, c * cell + cell / 2);
            int shown = 0;
            for (int i = 0; i < train.size() && shown < SAMPLES_PER_CLASS; i++) {
                if (train.label(i) != c) {
                    continue;
                }
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int v = train.pixels()[i * 784 + y * 28 + x] & 0xFF;
                        g.setColor(new Color(v, v, v));
                        g.fillRect(labelWidth + shown * cell + x * scale, c * cell + y * scale, scale, scale);
                    }
                }
                shown++;
            }
        }
        g.dispose();
        try {
            ImageIO.write(img, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
        return png;
    }

    Path pcaScatter(Pca pca, Path png) {
        XYChart chart = new XYChartBuilder().width(900).height(700).title("PCA: first two components")
                .xAxisTitle("PC1").yAxisTitle("PC2").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        for (int c = 0; c < FashionMnist.NUM_CLASSES; c++) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < pca.labels().length; i++) {
                if (pca.labels()[i] == c) {
                    xs.add(pca.projection()[i][0]);
                    ys.add(pca.projection()[i][1]);
                }
            }
            if (!xs.isEmpty()) {
                chart.addSeries(FashionMnist.LABELS.get(c), xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        Plots.save(chart, png);
        return png;
    }

    Path explainedVariance(Pca pca, Path png) {
        double[] cumulative = pca.cumulativeExplained();
        int shown = Math.min(200, cumulative.length);
        double[] x = new double[shown];
        Arrays.setAll(x, i -> i + 1);
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Cumulative explained variance")
                .xAxisTitle("components").yAxisTitle("explained variance").build();
        chart.addSeries("cumulative", x, Arrays.copyOf(cumulative, shown)).setMarker(SeriesMarkers.NONE);
        Plots.save(chart, png);
        return png;
    }

    private ImageSet sample(int n) {
        int[] idx = new int[data.train().size()];
        Arrays.setAll(idx, i -> i);
        new Rng(seed).shuffle(idx);
        return data.train().subset(Arrays.copyOf(idx, Math.min(n, idx.length)));
    }

    private static List<Integer> counts(ImageSet set) {
        return Arrays.stream(set.classCounts(FashionMnist.NUM_CLASSES)).boxed().toList();
    }

    /** Principal components of a sample: 2-D projections and the variance spectrum. */
    record Pca(double[][] projection, int[] labels, double[] eigenvalues) {
        static Pca fit(ImageSet images) {
            int n = images.size();
            float[] flat = new float[n * 784];
            for (int i = 0; i < n; i++) {
                images.copyNormalized(i, flat, i * 784);
            }
            INDArray x = Nd4j.create(flat, new long[]{n, 784}, 'c').castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            x.subiRowVector(x.mean(0));
            INDArray cov = x.transpose().mmul(x).divi(n - 1);
            INDArray values = Eigen.symmetricGeneralizedEigenvalues(cov, true); // ascending; cov now holds vectors
            double[] eig = values.toDoubleVector();
            double[] desc = new double[eig.length];
            for (int i = 0; i < eig.length; i++) {
                desc[i] = Math.max(0, eig[eig.length - 1 - i]);
            }
            INDArray top = Nd4j.hstack(cov.getColumn(eig.length - 1).reshape(784, 1), cov.getColumn(eig.length - 2).reshape(784, 1));
            INDArray proj = x.mmul(top);
            double[][] p = new double[n][2];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                p[i][0] = proj.getDouble(i, 0);
                p[i][1] = proj.getDouble(i, 1);
                labels[i] = images.label(i);
            }
            return new Pca(p, labels, desc);
        }

        double[] cumulativeExplained() {
            double total = Arrays.stream(eigenvalues).sum();
            double[] c = new double[eigenvalues.length];
            double run = 0;
            for (int i = 0; i < c.length; i++) {
                run += eigenvalues[i];
                c[i] = run / total;
            }
            return c;
        }
    }
}
