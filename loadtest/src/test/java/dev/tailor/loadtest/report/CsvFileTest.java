package dev.tailor.loadtest.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSV files results are appended to. */
class CsvFileTest {

    @Test
    void theHeaderIsWrittenOnceAndLinesAreAppended(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/runs.csv");
        CsvFile csv = new CsvFile(file, List.of("label", "value"));
        csv.append(List.of(List.of("first", "1")));
        new CsvFile(file, List.of("label", "value")).append(List.of(List.of("second", "2"), List.of("third", "3")));

        assertEquals(List.of("label,value", "first,1", "second,2", "third,3"), Files.readAllLines(file));
    }

    @Test
    void cellsWithCommasOrQuotesAreQuoted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("runs.csv");
        new CsvFile(file, List.of("a", "b")).append(List.of(List.of("json,grpc", "say \"hi\"")));

        assertEquals("\"json,grpc\",\"say \"\"hi\"\"\"", Files.readAllLines(file).get(1));
    }

    @Test
    void aRowOfTheWrongWidthIsRefused(@TempDir Path dir) {
        CsvFile csv = new CsvFile(dir.resolve("runs.csv"), List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> csv.append(List.of(List.of("only one"))));
    }

    @Test
    void numbersArePlainDecimalsAndNaNIsEmpty() {
        assertEquals("329.4", CsvFile.number(329.4049, 1));
        assertEquals("12", CsvFile.number(12.0, 1));
        assertEquals("3010", CsvFile.number(3010.0, 0));
        assertEquals("", CsvFile.number(Double.NaN, 1));
    }
}
