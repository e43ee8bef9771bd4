package dev.tailor.trainer.cli;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a fresh JVM by {@link FlushToZeroTest}: enables the mode the way {@code TrainerMain} does,
 * before ND4J loads, then multiplies a large array of subnormals by one on ND4J's worker threads and
 * prints how many results stayed nonzero (0 when every worker thread inherited the mode).
 */
public final class SubnormalProbe {
    private SubnormalProbe() {
    }

    public static void main(String[] args) {
        FlushToZero.Outcome outcome = FlushToZero.enable();
        System.out.println("active " + outcome.active() + " (" + outcome.detail() + ")");
        INDArray tiny = Nd4j.valueArrayOf(new long[]{1 << 22}, Float.MIN_VALUE, DataType.FLOAT);
        INDArray product = tiny.mul(1.0f);
        long nonzero = product.neq(0.0f).castTo(DataType.INT64).sumNumber().longValue();
        System.out.println("nonzero " + nonzero + " of " + product.length());
    }
}
