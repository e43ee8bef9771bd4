package dev.tailor.exporter;

import dev.tailor.trainer.model.Param;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a parameter's layout differs between SameDiff and ONNX, in one place for export and
 * import: conv kernels are [kH,kW,in,out] in SameDiff and [out,in,kH,kW] (OIHW) in ONNX; every
 * other parameter has the same shape in both.
 */
final class ParamLayout {
    private ParamLayout() {
    }

    /** The shape {@code p} has in an ONNX file. */
    static long[] onnxShape(Param p) {
        long[] s = p.shape();
        return isConvKernel(p) ? new long[]{s[3], s[2], s[0], s[1]} : s;
    }

    /** {@code a} (SameDiff layout) in ONNX layout, row-major. */
    static INDArray toOnnx(Param p, INDArray a) {
        return (isConvKernel(p) ? a.permute(3, 2, 0, 1) : a).dup('c');
    }

    /** {@code a} (ONNX layout, as read) in SameDiff layout, row-major. */
    static INDArray fromOnnx(Param p, INDArray a) {
        return isConvKernel(p) ? a.permute(2, 3, 1, 0).dup('c') : a;
    }

    private static boolean isConvKernel(Param p) {
        return p.role() == Param.Role.KERNEL && p.shape().length == 4;
    }
}
