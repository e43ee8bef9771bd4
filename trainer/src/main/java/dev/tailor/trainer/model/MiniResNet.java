package dev.tailor.trainer.model;

/**
 * Seed 004's residual network: a stem conv, then five residual stages of 32, 64, 128, 256 and 512
 * filters (two 3×3 convs with batch norm and ReLU plus a skip connection, 1×1 projection where the
 * channel count changes), max-pooling after the first two stages only, global average pooling and
 * two dense layers with batch norm and dropout. About 5 M parameters; with
 * {@link ArchitectureOptions#bottleneck()} each stage uses a 1×1→3×3→1×1 bottleneck block.
 */
public final class MiniResNet implements Architecture {
    private static final int[] STAGES = {32, 64, 128, 256, 512};

    @Override
    public String name() {
        return "miniresnet";
    }

    @Override
    public String description() {
        return "5 residual stages 32->512 filters, global average pooling, dense head (seed 004)";
    }

    @Override
    public ModelDef define(ArchitectureOptions options) {
        ModelDefBuilder b = new ModelDefBuilder(name(), 1, 28, 28);
        String x = b.input();
        int channels = 1;
        for (int s = 0; s < STAGES.length; s++) {
            String stage = "stage" + (s + 1);
            x = options.bottleneck() ? bottleneckBlock(b, stage, x, channels, STAGES[s])
                    : basicBlock(b, stage, x, channels, STAGES[s]);
            channels = STAGES[s];
            if (s < 2) {
                x = b.maxPool(stage + "_pool", x, 2);
            }
        }
        x = b.globalAvgPool("gap", x);
        x = b.denseBnReluDropout("dense1", x, 256, 0.5);
        x = b.denseBnReluDropout("dense2", x, 128, 0.3);
        return b.build(b.dense("logits", x, 10));
    }

    private static String basicBlock(ModelDefBuilder b, String p, String in, int inChannels, int filters) {
        String x = b.convBnRelu(p + "_a", in, filters, 3);
        x = b.conv(p + "_b_conv", x, filters, 3, 1, true);
        x = b.batchNorm(p + "_b_bn", x);
        return b.relu(p + "_out", b.add(p + "_add", x, shortcut(b, p, in, inChannels, filters)));
    }

    private static String bottleneckBlock(ModelDefBuilder b, String p, String in, int inChannels, int filters) {
        int inner = Math.max(8, filters / 4);
        String x = b.conv(p + "_reduce_conv", in, inner, 1, 1, true);
        x = b.relu(p + "_reduce_relu", b.batchNorm(p + "_reduce_bn", x));
        x = b.convBnRelu(p + "_mid", x, inner, 3);
        x = b.conv(p + "_expand_conv", x, filters, 1, 1, true);
        x = b.batchNorm(p + "_expand_bn", x);
        return b.relu(p + "_out", b.add(p + "_add", x, shortcut(b, p, in, inChannels, filters)));
    }

    /** Identity when channels match, else a 1×1 projection with batch norm. */
    private static String shortcut(ModelDefBuilder b, String p, String in, int inChannels, int filters) {
        if (inChannels == filters) {
            return in;
        }
        return b.batchNorm(p + "_proj_bn", b.conv(p + "_proj_conv", in, filters, 1, 1, true));
    }
}
