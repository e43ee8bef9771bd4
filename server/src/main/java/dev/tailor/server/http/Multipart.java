package dev.tailor.server.http;

import dev.tailor.server.ServingException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A minimal {@code multipart/form-data} reader for bodies already in memory (bounded by the
 * server's payload limit). Helidon 4.4.0's multipart media module is not published, and the
 * classify API needs only the parts' names and bytes.
 */
final class Multipart {
    /** One part: its form field name (may be empty) and content. */
    record Part(String name, byte[] content) {
    }

    private Multipart() {
    }

    /** The boundary parameter of a {@code multipart/form-data} content type. */
    static String boundary(String contentType) {
        for (String parameter : contentType.split(";")) {
            String p = parameter.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length()).trim();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (!b.isEmpty()) {
                    return b;
                }
            }
        }
        throw ServingException.badRequest("multipart/form-data without a boundary");
    }

    /** Splits {@code body} into its parts. */
    static List<Part> parse(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(body, delimiter, 0);
        if (at < 0) {
            throw ServingException.badRequest("malformed multipart body: boundary not found");
        }
        List<Part> parts = new ArrayList<>();
        byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = at + delimiter.length;
        while (true) {
            if (pos + 2 <= body.length && body[pos] == '-' && body[pos + 1] == '-') {
                return parts; // closing delimiter
            }
            pos = skipLine(body, pos);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos - 2);
            if (headersEnd < 0) {
                throw ServingException.badRequest("malformed multipart body: part headers do not end");
            }
            String headers = new String(body, pos, Math.max(0, headersEnd - pos), StandardCharsets.ISO_8859_1);
            int contentStart = headersEnd + 4;
            int end = indexOf(body, next, contentStart);
            if (end < 0) {
                throw ServingException.badRequest("malformed multipart body: missing closing boundary");
            }
            parts.add(new Part(fieldName(headers), Arrays.copyOfRange(body, contentStart, end)));
            pos = end + next.length;
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

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
