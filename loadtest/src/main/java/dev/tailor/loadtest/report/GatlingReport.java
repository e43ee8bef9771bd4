package dev.tailor.loadtest.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of a Gatling HTML report ({@code index.html}): the statistics row of every request
 * and of all requests together, the assertions with their outcome, and the errors. Gatling 3.15
 * writes them only into the HTML (no stats.json any more), so this reads its tables; the smoke
 * tests fail loudly if a Gatling upgrade changes them.
 */
public record GatlingReport(Path dir, RequestStats all, List<RequestStats> requests, List<AssertionResult> assertions,
                            List<ErrorCount> errors) {
    private static final Pattern ROW = Pattern.compile("<tr id=\"([^\"]+)\"[^>]*>(.*?)</tr>", Pattern.DOTALL);
    private static final Pattern NAME = Pattern.compile("class=\"ellipsed-name\">([^<]*)<");
    private static final Pattern CELL = Pattern.compile("<td class=\"value [^\"]*col-(\\d+)\">([^<]*)</td>");
    private static final Pattern ASSERTION = Pattern.compile(
            "<td class=\"error-col-1 (ok|ko) total\">\\s*(.*?)\\s*<span", Pattern.DOTALL);
    private static final Pattern ERROR = Pattern.compile(
            "<td class=\"error-col-1 total ko\">(.*?)<span[^>]*>[^<]*</span></td>\\s*<td class=\"value error-col-2 total ko\">([^<]*)</td>",
            Pattern.DOTALL);

    /** One row of the statistics table; times in milliseconds, NaN where Gatling shows "-". */
    public record RequestStats(String name, long total, long ok, long ko, double koPercent, double perSecond,
                               double min, double p50, double p75, double p95, double p99, double max, double mean) {
    }

    /** One assertion, as Gatling words it, and whether it held. */
    public record AssertionResult(String description, boolean passed) {
    }

    /** One error message and how many requests failed with it. */
    public record ErrorCount(String message, long count) {
    }

    /** Reads the report in {@code dir}. */
    public static GatlingReport read(Path dir) {
        String html;
        try {
            html = Files.readString(dir.resolve("index.html"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RequestStats all = null;
        List<RequestStats> requests = new ArrayList<>();
        Matcher row = ROW.matcher(html);
        while (row.find()) {
            String id = row.group(1);
            if (!id.equals("ROOT") && !id.startsWith("req_")) {
                continue;
            }
            Matcher name = NAME.matcher(row.group(2));
            Map<Integer, String> cells = new HashMap<>();
            Matcher cell = CELL.matcher(row.group(2));
            while (cell.find()) {
                cells.put(Integer.parseInt(cell.group(1)), cell.group(2).trim());
            }
            if (!name.find() || cells.size() < 13) {
                continue;
            }
            RequestStats stats = new RequestStats(unescape(name.group(1)), count(cells.get(2)), count(cells.get(3)),
                    count(cells.get(4)), number(cells.get(5)), number(cells.get(6)), number(cells.get(7)), number(cells.get(8)),
                    number(cells.get(9)), number(cells.get(10)), number(cells.get(11)), number(cells.get(12)),
                    number(cells.get(13)));
            if (id.equals("ROOT")) {
                all = stats;
            } else {
                requests.add(stats);
            }
        }
        if (all == null) {
            throw new IllegalStateException(dir.resolve("index.html") + " holds no statistics table");
        }
        List<AssertionResult> assertions = new ArrayList<>();
        Matcher a = ASSERTION.matcher(html);
        while (a.find()) {
            assertions.add(new AssertionResult(unescape(a.group(2)).replaceAll("\\s+", " "), a.group(1).equals("ok")));
        }
        List<ErrorCount> errors = new ArrayList<>();
        Matcher e = ERROR.matcher(html);
        while (e.find()) {
            errors.add(new ErrorCount(unescape(e.group(1)).trim(), count(e.group(2))));
        }
        return new GatlingReport(dir, all, List.copyOf(requests), List.copyOf(assertions), List.copyOf(errors));
    }

    /** The statistics of the request named {@code name}, or null. */
    public RequestStats request(String name) {
        return requests.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /** Whether every assertion held. */
    public boolean passed() {
        return assertions.stream().allMatch(AssertionResult::passed);
    }

    private static long count(String text) {
        double v = number(text);
        return Double.isNaN(v) ? 0 : Math.round(v);
    }

    private static double number(String text) {
        if (text == null) {
            return Double.NaN;
        }
        String t = text.replace(",", "").trim();
        if (t.isEmpty() || t.equals("-")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String unescape(String html) {
        return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&#x27;", "'").replace("&amp;", "&");
    }
}
