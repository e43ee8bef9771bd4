package dev.tailor.trainer.train;

import java.nio.file.Path;
import java.util.List;

/**
 * What a run distils from: the run folders of its teachers (their mean answer is the teacher), the
 * teachers' share of each training target and the temperature that softens their answer (see
 * {@link TeacherTargets}).
 */
public record Distillation(List<Path> teachers, double weight, double temperature) {
    public Distillation {
        if (teachers.isEmpty()) {
            throw new IllegalArgumentException("--distill-from needs at least one run folder");
        }
        checkWeightAndTemperature(weight, temperature);
        teachers = List.copyOf(teachers);
    }

    /** The one check of a teachers' share and temperature, here and in {@link TeacherTargets}. */
    static void checkWeightAndTemperature(double weight, double temperature) {
        if (!(weight > 0 && weight <= 1) || !(temperature >= 1)) {
            throw new IllegalArgumentException("--distill-weight must lie in (0, 1] and --distill-temperature be >= 1, got "
                    + weight + " and " + temperature);
        }
    }
}
