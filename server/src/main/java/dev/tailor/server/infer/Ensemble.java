package dev.tailor.server.infer;

import dev.tailor.server.serving.ModelNames;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * A served name that answers with the mean of several models' class probabilities
 * ({@code tailor.ensemble.name} and {@code tailor.ensemble.members}). Each member runs the request
 * through its own batcher, in its latest version, so ensemble traffic batches together with the
 * members' own; the members must share labels and, for tensor requests, their input.
 *
 * @param name    the name requests use; not a member's
 * @param members two or more model names, distinct
 */
public record Ensemble(String name, List<String> members) {
    /** The only version an ensemble has: its members' versions change under it, its interface does not. */
    public static final String VERSION = "1";

    public Ensemble {
        members = List.copyOf(members);
        if (!ModelNames.isValid(name)) {
            throw new IllegalArgumentException("tailor.ensemble.name '" + name + "' is not a valid model name (letters,"
                    + " digits, '_', '-', '.')");
        }
        if (members.size() < 2) {
            throw new IllegalArgumentException("tailor.ensemble.members needs at least two models, got " + members);
        }
        if (new LinkedHashSet<>(members).size() != members.size()) {
            throw new IllegalArgumentException("tailor.ensemble.members names a model twice: " + members);
        }
        if (members.contains(name)) {
            throw new IllegalArgumentException("the ensemble '" + name + "' cannot be one of its own members " + members);
        }
    }
}
