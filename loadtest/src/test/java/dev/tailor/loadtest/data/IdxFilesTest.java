package dev.tailor.loadtest.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test set's IDX files as the load test reads them: found gzipped or plain, and refused with a message naming the file when wrong. */
class IdxFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsLabelsAndImagesPlainOrGzippedPreferringTheGzip() throws IOException {
        write(dir.resolve(TestLabels.FILE), labels(3, 1, 2, 3), false);
        assertEquals(2, TestLabels.read(dir, 10).label(1));
        write(dir.resolve(TestLabels.FILE + ".gz"), labels(2, 9, 8), true);
        TestLabels fromGzip = TestLabels.read(dir, 10);
        assertEquals(2, fromGzip.count());
        assertEquals(9, fromGzip.label(0));

        write(dir.resolve(TestImages.FILE + ".gz"), images(2, 2, 2, new byte[]{1, 2, 3, 4, 5, 6, 7, (byte) 255}), true);
        TestImages first = TestImages.read(dir, 1);
        assertEquals(1, first.count());
        assertEquals(2, first.rows());
        assertEquals(dir.resolve(TestImages.FILE + ".gz"), TestImages.find(dir));
    }

    @Test
    void aMissingFileNamesTheFolderAndThePackage() {
        IOException e = assertThrows(IOException.class, () -> TestLabels.read(dir, 10));
        assertTrue(e.getMessage().contains(TestLabels.FILE + "(.gz) in " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void anImageFileWhereTheLabelsShouldBeIsRefusedByItsMagicNumber() throws IOException {
        write(dir.resolve(TestLabels.FILE), images(1, 1, 1, new byte[]{0}), false);
        IOException e = assertThrows(IOException.class, () -> TestLabels.read(dir, 10));
        assertTrue(e.getMessage().contains("is not an IDX label file (magic 803)"), e.getMessage());
    }

    @Test
    void aShortFileSaysWhereItEnds() throws IOException {
        byte[] whole = images(3, 2, 2, new byte[12]);
        write(dir.resolve(TestImages.FILE), java.util.Arrays.copyOf(whole, whole.length - 1), false);
        IOException body = assertThrows(IOException.class, () -> TestImages.read(dir, 10));
        assertEquals(dir.resolve(TestImages.FILE) + " ends before its last image", body.getMessage());

        write(dir.resolve(TestImages.FILE), java.util.Arrays.copyOf(whole, 6), false);
        IOException header = assertThrows(IOException.class, () -> TestImages.read(dir, 10));
        assertEquals(dir.resolve(TestImages.FILE) + " ends inside its header", header.getMessage());
    }

    @Test
    void aCorruptGzipIsNamed() throws IOException {
        write(dir.resolve(TestLabels.FILE + ".gz"), labels(1, 3), false);
        IOException e = assertThrows(IOException.class, () -> TestLabels.read(dir, 10));
        assertTrue(e.getMessage().startsWith(dir.resolve(TestLabels.FILE + ".gz") + " is not a gzip file"), e.getMessage());
    }

    @Test
    void aLabelOutsideTheTenClassesIsRefused() throws IOException {
        write(dir.resolve(TestLabels.FILE), labels(2, 4, 10), false);
        IOException e = assertThrows(IOException.class, () -> TestLabels.read(dir, 10));
        assertTrue(e.getMessage().endsWith("holds label 10, outside 0-9"), e.getMessage());
    }

    private static byte[] labels(int count, int... values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000801);
        out.writeInt(count);
        for (int v : values) {
            out.writeByte(v);
        }
        return bytes.toByteArray();
    }

    private static byte[] images(int count, int rows, int cols, byte[] pixels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000803);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        out.write(pixels);
        return bytes.toByteArray();
    }

    private static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }
}
