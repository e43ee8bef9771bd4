package dev.tailor.loadtest.accuracy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionsTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenFileReadsBackTheSame() throws IOException {
        Predictions run = new Predictions(new int[] {9, 2, 1, 1}, new int[] {9, 2, 1, 3});
        Path file = dir.resolve("runs/shipped.csv");

        run.write(file);
        Predictions back = Predictions.read(file, 10);

        assertEquals("image,label,predicted", Files.readAllLines(file).getFirst());
        assertArrayEquals(run.labels(), back.labels());
        assertArrayEquals(run.predicted(), back.predicted());
        assertTrue(back.right(0));
        assertTrue(!back.right(3));
    }

    @Test
    void aFileThatIsNotOneIsRefusedWithItsLine() throws IOException {
        assertRefused("image,label,predicted\n0,1,1\n2,3,3\n", "line 3");          // image 1 missing
        assertRefused("image,label,predicted\n0,1,10\n", "line 2");                // no class 10
        assertRefused("image,label,predicted\n0,1\n", "line 2");                   // a field short
        assertRefused("index,truth\n0,1,1\n", "first line");                       // another CSV
        assertRefused("", "first line");
    }

    private void assertRefused(String text, String where) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.csv"), text);
        IOException e = assertThrows(IOException.class, () -> Predictions.read(file, 10));
        assertTrue(e.getMessage().contains(where) && e.getMessage().contains(file.toString()), e.getMessage());
    }
}
