package dev.tailor.trainer.train;

import java.util.Locale;

/**
 * How the learning rate moves during training.
 * <ul>
 * <li>{@link Kind#PLATEAU}: constant, lowered by {@link PlateauScheduler} when validation loss stops
 * improving (Keras' ReduceLROnPlateau, seed 004's choice);</li>
 * <li>{@link Kind#COSINE}: a linear warm-up from {@code base/WARMUP_DIVISOR} to {@code base} over the
 * warm-up epochs, then half a cosine down to {@code min} at the last step;</li>
 * <li>{@link Kind#ONE_CYCLE}: Smith's one-cycle policy as fast.ai and PyTorch run it: a cosine rise
 * from {@code base/ONE_CYCLE_DIVISOR} to {@code base} over the first {@code ONE_CYCLE_RISE} of the
 * steps, then a cosine fall to {@code base/(ONE_CYCLE_DIVISOR·10⁴)}.</li>
 * </ul>
 * The step-wise kinds are pure functions of the global step, which checkpoints already hold, so a
 * resumed run continues the curve exactly.
 *
 * @param kind         the policy
 * @param base         the peak (or, for plateau, the starting) learning rate
 * @param min          the floor the cosine schedule ends at
 * @param warmupEpochs epochs of linear warm-up (cosine only; fractions allowed)
 */
public record LearningRateSchedule(Kind kind, double base, double min, double warmupEpochs) {
    /** The policies. */
    public enum Kind {
        PLATEAU, COSINE, ONE_CYCLE;

        /** Parses {@code plateau}, {@code cosine} or {@code onecycle} (also {@code one-cycle}). */
        public static Kind parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "plateau" -> PLATEAU;
                case "cosine" -> COSINE;
                case "onecycle", "one-cycle", "one_cycle" -> ONE_CYCLE;
                default -> throw new IllegalArgumentException("unknown schedule '" + text + "'; use plateau, cosine or onecycle");
            };
        }

        /** The name the command line takes. */
        public String cliName() {
            return this == ONE_CYCLE ? "onecycle" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where a cosine warm-up starts, as a fraction of the base rate. */
    static final double WARMUP_DIVISOR = 25;
    /** The one-cycle start rate is base / this (PyTorch's {@code div_factor}). */
    static final double ONE_CYCLE_DIVISOR = 25;
    /** Fraction of the steps the one-cycle rise takes (PyTorch's {@code pct_start}). */
    static final double ONE_CYCLE_RISE = 0.3;

    public LearningRateSchedule {
        if (kind == null || !(base > 0) || min < 0 || min > base || warmupEpochs < 0) {
            throw new IllegalArgumentException("invalid learning-rate schedule: " + kind + ", base " + base + ", min " + min
                    + ", warm-up " + warmupEpochs + " epochs");
        }
    }

    /** Whether the rate is set every step (cosine, one-cycle) rather than by the plateau scheduler. */
    public boolean stepwise() {
        return kind != Kind.PLATEAU;
    }

    /**
     * The rate for global step {@code step} (0-based) of {@code totalSteps}, with
     * {@code stepsPerEpoch} steps in an epoch. For {@link Kind#PLATEAU} this is {@code base}.
     */
    public double rate(long step, long totalSteps, long stepsPerEpoch) {
        if (totalSteps <= 0 || stepsPerEpoch <= 0) {
            throw new IllegalArgumentException("total steps and steps per epoch must be positive");
        }
        long s = Math.min(Math.max(step, 0), totalSteps - 1);
        return switch (kind) {
            case PLATEAU -> base;
            case COSINE -> {
                long warmup = Math.min(totalSteps - 1, Math.round(warmupEpochs * stepsPerEpoch));
                if (s < warmup) {
                    double start = base / WARMUP_DIVISOR;
                    yield start + (base - start) * s / warmup;
                }
                yield cosine(base, min, progress(s - warmup, totalSteps - 1 - warmup));
            }
            case ONE_CYCLE -> {
                long rise = Math.max(1, Math.round(ONE_CYCLE_RISE * totalSteps));
                double start = base / ONE_CYCLE_DIVISOR;
                if (s < rise) {
                    yield cosine(start, base, progress(s, rise));
                }
                yield cosine(base, start / 1e4, progress(s - rise, totalSteps - 1 - rise));
            }
        };
    }

    /** From {@code from} (progress 0) to {@code to} (progress 1) along half a cosine. */
    private static double cosine(double from, double to, double progress) {
        return to + (from - to) * (1 + Math.cos(Math.PI * progress)) / 2;
    }

    private static double progress(long done, long of) {
        return of <= 0 ? 1 : Math.min(1, (double) done / of);
    }
}
