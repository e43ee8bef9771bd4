package dev.tailor.trainer.model;

/**
 * Seed 004's final sequential CNN: four conv blocks (3×3 conv, batch norm, ReLU, max-pool after
 * blocks 1 and 3, dropout 0.2) and four dense layers (batch norm, dropout rising to 0.5) ending
 * in a 10-way softmax. About 1.9 M parameters.
 */
public final class Cnn4b implements Architecture {
    @Override
    public String name() {
        return "cnn4b";
    }

    @Override
    public String description() {
        return "4 conv blocks + 4 dense layers, batch norm, dropout (seed 004's final CNN)";
    }

    @Override
    public ModelDef define(ArchitectureOptions options) {
        ModelDefBuilder b = new ModelDefBuilder(name(), 1, 28, 28);
        // pooling after blocks 1 and 3 (not 2 and 4) halves the compute at the same depth and
        // parameter count: on 2 cores SameDiff's element-wise ops on 28×28 maps dominate a step
        String x = b.convBnRelu("block1", b.input(), 32, 3);
        x = b.maxPool("block1_pool", x, 2);
        x = b.dropout("block1_drop", x, 0.2);
        x = b.convBnRelu("block2", x, 64, 3);
        x = b.dropout("block2_drop", x, 0.2);
        x = b.convBnRelu("block3", x, 128, 3);
        x = b.maxPool("block3_pool", x, 2);
        x = b.dropout("block3_drop", x, 0.2);
        x = b.convBnRelu("block4", x, 128, 3);
        x = b.dropout("block4_drop", x, 0.25);
        x = b.flatten("flatten", x);
        x = b.denseBnReluDropout("dense1", x, 256, 0.5);
        x = b.denseBnReluDropout("dense2", x, 128, 0.4);
        x = b.denseBnReluDropout("dense3", x, 64, 0.3);
        return b.build(b.dense("logits", x, 10));
    }
}
