package dev.tailor.trainer;

import dev.tailor.trainer.data.FashionMnist;
import dev.tailor.trainer.data.ImageSet;
import dev.tailor.trainer.data.StratifiedSplit;

/** The real Fashion-MNIST files, loaded once per test JVM, and small stratified samples of them. */
public final class TestData {
    private static FashionMnist dataset;

    private TestData() {
    }

    /** The real dataset from the Debian package (or TAILOR_DATA). */
    public static synchronized FashionMnist dataset() {
        if (dataset == null) {
            dataset = FashionMnist.load(FashionMnist.resolveDir(null));
        }
        return dataset;
    }

    /** A stratified sample of {@code n} official training images. */
    public static ImageSet trainSample(int n, long seed) {
        ImageSet train = dataset().train();
        double f = (double) n / train.size();
        int[] idx = StratifiedSplit.split(train.labels(), FashionMnist.NUM_CLASSES, new double[]{f, 1 - f}, seed).get(0);
        return train.subset(idx);
    }

    /** A stratified sample of {@code n} official test images. */
    public static ImageSet testSample(int n, long seed) {
        ImageSet test = dataset().test();
        double f = (double) n / test.size();
        int[] idx = StratifiedSplit.split(test.labels(), FashionMnist.NUM_CLASSES, new double[]{f, 1 - f}, seed).get(0);
        return test.subset(idx);
    }
}
