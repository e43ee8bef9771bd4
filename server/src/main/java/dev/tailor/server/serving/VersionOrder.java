package dev.tailor.server.serving;

import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * Orders version strings as people read them: numbers by value (2 before 10), numbers before
 * other strings, other strings alphabetically. The last in this order is a model's latest version.
 */
final class VersionOrder implements Comparator<String> {
    static final VersionOrder INSTANCE = new VersionOrder();
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,18}");

    private VersionOrder() {
    }

    @Override
    public int compare(String a, String b) {
        boolean numberA = NUMBER.matcher(a).matches();
        boolean numberB = NUMBER.matcher(b).matches();
        if (numberA && numberB) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        if (numberA != numberB) {
            return numberA ? -1 : 1;
        }
        return a.compareTo(b);
    }
}
