package dev.tailor.server.http;

import dev.tailor.server.ServingException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A {@code multipart/form-data} reader for bodies already in memory (bounded by the payload limit).
 * The boundary is checked against RFC 2046 (1 to 70 characters of its set) from the content type
 * alone, so a bad one is refused before the body is read; delimiters are found with a
 * Knuth-Morris-Pratt search, so the work is linear in the body whatever it holds; part headers end
 * within {@value #MAX_HEADER_BYTES} bytes and a body has at most {@value #MAX_PARTS} parts.
 * Hand-written because Helidon's multipart media module ({@code helidon-http-media-multipart}) is
 * not published for 4.4.0 (the newest on Maven Central is 4.1.3), and its reader caps neither the
 * boundary length nor the number of parts.
 */
final class Multipart {
    /** RFC 2046, section 5.1.1: a boundary has 1 to 70 characters. */
    static final int MAX_BOUNDARY = 70;
    static final int MAX_PARTS = 1024;
    static final int MAX_HEADER_BYTES = 8192;
    private static final byte[] HEADERS_END = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** One part: its form field name (may be empty) and content. */
    record Part(String name, byte[] content) {
    }

    private Multipart() {
    }

    /**
     * The boundary parameter of a {@code multipart/form-data} content type.
     *
     * @throws ServingException BAD_REQUEST when it is missing, longer than 70 characters or has
     *                          characters RFC 2046 does not allow
     */
    static String boundary(String contentType) {
        for (String parameter : contentType.split(";")) {
            String p = parameter.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length()).trim();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                check(b);
                return b;
            }
        }
        throw ServingException.badRequest("multipart/form-data without a boundary");
    }

    private static void check(String boundary) {
        if (boundary.isEmpty() || boundary.length() > MAX_BOUNDARY) {
            throw ServingException.badRequest("multipart boundary must have 1 to " + MAX_BOUNDARY
                    + " characters (RFC 2046), this one has " + boundary.length());
        }
        for (int i = 0; i < boundary.length(); i++) {
            char c = boundary.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "'()+_,-./:=? ".indexOf(c) >= 0;
            if (!allowed) {
                throw ServingException.badRequest("multipart boundary has a character RFC 2046 does not allow"
                        + " (code " + (int) c + ")");
            }
        }
        if (boundary.endsWith(" ")) {
            throw ServingException.badRequest("multipart boundary must not end with a space (RFC 2046)");
        }
    }

    /** Splits {@code body} into its parts. */
    static List<Part> parse(byte[] body, String boundary) {
        Search first = new Search(("--" + boundary).getBytes(StandardCharsets.ISO_8859_1));
        Search next = new Search(("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1));
        Search headersEnd = new Search(HEADERS_END);
        int at = first.in(body, 0, body.length);
        if (at < 0) {
            throw ServingException.badRequest("malformed multipart body: boundary not found");
        }
        List<Part> parts = new ArrayList<>();
        int pos = at + first.length();
        while (true) {
            if (pos + 2 <= body.length && body[pos] == '-' && body[pos + 1] == '-') {
                return parts; // closing delimiter
            }
            if (parts.size() == MAX_PARTS) {
                throw ServingException.badRequest("multipart body has more than " + MAX_PARTS + " parts");
            }
            pos = skipLine(body, pos);
            // the headers start on this line; an empty header section ends at once (CRLF CRLF spans the line break)
            int from = Math.max(0, pos - 2);
            int end = headersEnd.in(body, from, Math.min(body.length, from + MAX_HEADER_BYTES));
            if (end < 0) {
                throw ServingException.badRequest("malformed multipart body: part headers do not end within "
                        + MAX_HEADER_BYTES + " bytes");
            }
            String headers = new String(body, pos, Math.max(0, end - pos), StandardCharsets.ISO_8859_1);
            int contentStart = end + HEADERS_END.length;
            int contentEnd = next.in(body, contentStart, body.length);
            if (contentEnd < 0) {
                throw ServingException.badRequest("malformed multipart body: missing closing boundary");
            }
            parts.add(new Part(fieldName(headers), Arrays.copyOfRange(body, contentStart, contentEnd)));
            pos = contentEnd + next.length();
        }
    }

    private static String fieldName(String headers) {
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition")) {
                for (String p : line.split(";")) {
                    String t = p.trim();
                    if (t.startsWith("name=")) {
                        return t.substring(5).replace("\"", "");
                    }
                }
            }
        }
        return "";
    }

    private static int skipLine(byte[] body, int pos) {
        while (pos < body.length && body[pos] != '\n') {
            pos++;
        }
        return pos + 1;
    }

    /** Knuth-Morris-Pratt search for one pattern: each byte of the text is looked at a bounded number of times. */
    private static final class Search {
        private final byte[] pattern;
        private final int[] fallback; // length of the longest proper prefix that is also a suffix, per prefix

        Search(byte[] pattern) {
            this.pattern = pattern;
            this.fallback = new int[pattern.length];
            for (int i = 1, k = 0; i < pattern.length; i++) {
                while (k > 0 && pattern[i] != pattern[k]) {
                    k = fallback[k - 1];
                }
                if (pattern[i] == pattern[k]) {
                    k++;
                }
                fallback[i] = k;
            }
        }

        int length() {
            return pattern.length;
        }

        /** Index of the first occurrence in {@code text[from, to)}, or -1. */
        int in(byte[] text, int from, int to) {
            for (int i = Math.max(0, from), k = 0; i < to; i++) {
                while (k > 0 && text[i] != pattern[k]) {
                    k = fallback[k - 1];
                }
                if (text[i] == pattern[k]) {
                    k++;
                }
                if (k == pattern.length) {
                    return i - pattern.length + 1;
                }
            }
            return -1;
        }
    }
}
