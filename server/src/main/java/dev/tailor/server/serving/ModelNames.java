package dev.tailor.server.serving;

import dev.tailor.server.ServingException;

import java.util.regex.Pattern;

/**
 * What a model name may be. Names come from file and folder names and from request paths, and
 * the repository API turns a name back into a path: a name is a single path segment of letters,
 * digits, {@code _}, {@code -} and {@code .}, never {@code ..}, never hidden (leading dot), at
 * most 128 characters, so no name can reach outside the models folder.
 */
public final class ModelNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    private ModelNames() {
    }

    /** Whether {@code name} is a valid model name. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }

    /**
     * Returns {@code name} if valid.
     *
     * @throws ServingException BAD_REQUEST saying what a name may hold
     */
    public static String check(String name) {
        if (!isValid(name)) {
            throw ServingException.badRequest("invalid model name '" + printable(name) + "': use letters, digits,"
                    + " '_', '-' and '.', starting with a letter, digit or '_', without '..' or path separators");
        }
        return name;
    }

    private static String printable(String name) {
        if (name == null) {
            return "";
        }
        String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
