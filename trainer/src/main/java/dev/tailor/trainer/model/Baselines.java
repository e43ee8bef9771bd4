package dev.tailor.trainer.model;

import java.util.List;

/**
 * Seed 000's baselines: a dense ANN and three small CNNs (Keras defaults: "valid" padding, ReLU).
 * {@code cnn2} is {@code cnn1} with its stride [1,1] written out, as in the seed; the two define
 * the same graph.
 */
public final class Baselines {
    private Baselines() {
    }

    /** All four, in the seed's order. */
    public static List<Architecture> all() {
        return List.of(ann(), cnn(1), cnn(2), cnn3());
    }

    static Architecture ann() {
        return simple("ann", "Flatten -> Dense 64 ReLU -> Dense 128 ReLU -> softmax (seed 000)", b -> {
            String x = b.flatten("flatten", b.input());
            x = b.relu("dense1_relu", b.dense("dense1", x, 64));
            x = b.relu("dense2_relu", b.dense("dense2", x, 128));
            return b.dense("logits", x, 10);
        });
    }

    static Architecture cnn(int variant) {
        String desc = variant == 1 ? "conv 4x4x32 -> max-pool 2 -> dense 128 -> softmax (seed 000 model 1)"
                : "model 1 with explicit stride [1,1] (seed 000 model 2)";
        return simple("cnn" + variant, desc, b -> {
            String x = b.relu("conv1_relu", b.conv("conv1", b.input(), 32, 4, 1, false));
            x = b.maxPool("pool1", x, 2);
            x = b.flatten("flatten", x);
            x = b.relu("dense1_relu", b.dense("dense1", x, 128));
            return b.dense("logits", x, 10);
        });
    }

    static Architecture cnn3() {
        return simple("cnn3", "conv32 -> pool -> conv64 -> pool -> dense 128 + dropout 0.2 -> softmax (seed 000 model 3)", b -> {
            String x = b.relu("conv1_relu", b.conv("conv1", b.input(), 32, 3, 1, false));
            x = b.maxPool("pool1", x, 2);
            x = b.relu("conv2_relu", b.conv("conv2", x, 64, 3, 1, false));
            x = b.maxPool("pool2", x, 2);
            x = b.flatten("flatten", x);
            x = b.relu("dense1_relu", b.dense("dense1", x, 128));
            x = b.dropout("dense1_drop", x, 0.2);
            return b.dense("logits", x, 10);
        });
    }

    private interface Body {
        String logits(ModelDefBuilder b);
    }

    private static Architecture simple(String name, String description, Body body) {
        return new Architecture() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public ModelDef define(ArchitectureOptions options) {
                ModelDefBuilder b = new ModelDefBuilder(name, 1, 28, 28);
                return b.build(body.logits(b));
            }
        };
    }
}
