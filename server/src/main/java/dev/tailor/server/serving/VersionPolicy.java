package dev.tailor.server.serving;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of a model's numbered versions ({@code name/<version>/model.onnx}) are served, as
 * Triton's {@code version_policy}: the latest N, all, or specific ones. Written in configuration
 * as {@code latest}, {@code latest:N}, {@code all} or {@code specific:1,3}.
 *
 * @param kind     which rule
 * @param latest   N for {@code latest:N}
 * @param specific the versions for {@code specific}
 */
public record VersionPolicy(Kind kind, int latest, Set<Long> specific) {
    /** The default, as Triton's: the newest version only. */
    public static final VersionPolicy LATEST = new VersionPolicy(Kind.LATEST, 1, Set.of());

    /** The three rules. */
    public enum Kind { LATEST, ALL, SPECIFIC }

    public VersionPolicy {
        specific = Set.copyOf(specific);
    }

    /**
     * Parses {@code latest}, {@code latest:N}, {@code all} or {@code specific:V[,V...]}.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static VersionPolicy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("latest")) {
                return LATEST;
            }
            if (t.equals("all")) {
                return new VersionPolicy(Kind.ALL, 0, Set.of());
            }
            if (t.startsWith("latest:")) {
                int n = Integer.parseInt(t.substring(7).trim());
                if (n >= 1) {
                    return new VersionPolicy(Kind.LATEST, n, Set.of());
                }
            } else if (t.startsWith("specific:")) {
                Set<Long> versions = new TreeSet<>();
                for (String v : t.substring(9).split(",")) {
                    long version = Long.parseLong(v.trim());
                    if (version < 1) {
                        throw new NumberFormatException();
                    }
                    versions.add(version);
                }
                return new VersionPolicy(Kind.SPECIFIC, 0, versions);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("version-policy must be latest, latest:N (N >= 1), all or"
                + " specific:V[,V...] (positive versions), not '" + text + "'");
    }

    /** The versions of {@code onDisk} this policy serves. */
    public Set<Long> select(Collection<Long> onDisk) {
        List<Long> newestFirst = onDisk.stream().distinct().sorted(java.util.Comparator.reverseOrder()).toList();
        return switch (kind) {
            case ALL -> new TreeSet<>(newestFirst);
            case LATEST -> new TreeSet<>(newestFirst.subList(0, Math.min(latest, newestFirst.size())));
            case SPECIFIC -> new TreeSet<>(newestFirst.stream().filter(specific::contains).toList());
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case LATEST -> latest == 1 ? "latest" : "latest:" + latest;
            case SPECIFIC -> "specific:" + String.join(",", new TreeSet<>(specific).stream().map(String::valueOf).toList());
        };
    }
}
