package dev.tailor.loadtest.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * A CSV file that results are appended to across runs: the header goes in first when the file is
 * new (or empty), each call appends whole lines, and cells holding a comma, quote or line break
 * are quoted as RFC 4180 says. What the columns mean is its callers' business.
 */
public final class CsvFile {
    private final Path file;
    private final List<String> columns;

    public CsvFile(Path file, List<String> columns) {
        this.file = file;
        this.columns = List.copyOf(columns);
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /**
     * Appends {@code rows}, each with one cell per column, creating the file and its folder if needed.
     *
     * @throws IllegalArgumentException when a row has the wrong number of cells
     */
    public void append(List<List<String>> rows) throws IOException {
        StringBuilder text = new StringBuilder();
        if (!Files.exists(file) || Files.size(file) == 0) {
            text.append(line(columns));
        }
        for (List<String> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("a row of " + row.size() + " cells for " + columns.size() + " columns");
            }
            text.append(line(row));
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A plain decimal with at most {@code decimals} places and no trailing zeros; empty for NaN. */
    public static String number(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "";
        }
        String text = String.format(Locale.ROOT, "%." + decimals + "f", v);
        return decimals > 0 ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
    }

    private static String line(List<String> cells) {
        return String.join(",", cells.stream().map(CsvFile::quote).toList()) + "\n";
    }

    private static String quote(String cell) {
        if (cell.contains(",") || cell.contains("\"") || cell.contains("\n") || cell.contains("\r")) {
            return "\"" + cell.replace("\"", "\"\"") + "\"";
        }
        return cell;
    }
}
