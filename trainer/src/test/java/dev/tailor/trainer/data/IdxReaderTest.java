package dev.tailor.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files: the real ones load, and every broken one fails with a message naming file and fix. */
class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void realDatasetLoadsWithOfficialSizes() {
        FashionMnist data = FashionMnist.load(FashionMnist.resolveDir(null));
        assertEquals(60_000, data.train().size());
        assertEquals(10_000, data.test().size());
        assertTrue(Arrays.stream(data.test().classCounts(10)).allMatch(c -> c == 1000));
    }

    @Test
    void missingFolderNamesTheDebianPackage() {
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.load(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install -y dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void truncatedImageFileIsReported() throws IOException {
        Path file = dir.resolve("train-images-idx3-ubyte.gz");
        gzip(file, idxImages(5, 28, 28, 3 * 784)); // header promises 5 images, only 3 there
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(file));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void truncatedGzipStreamIsReported() throws IOException {
        Path good = dir.resolve("good.gz");
        gzip(good, idxImages(20, 28, 28, 20 * 784));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut-images-idx3-ubyte.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(cut));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        Path file = dir.resolve("t10k-images-idx3-ubyte");
        byte[] labelsFile = idxLabels(4);
        Files.write(file, labelsFile); // a labels file where images are expected
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.readImages(file));
        assertTrue(e.getMessage().contains("magic number 0x00000801") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void rawAndGzipFilesReadTheSame() throws IOException {
        byte[] content = idxImages(2, 28, 28, 2 * 784);
        Path raw = dir.resolve("a-images-idx3-ubyte");
        Files.write(raw, content);
        Path gz = dir.resolve("b-images-idx3-ubyte.gz");
        gzip(gz, content);
        assertTrue(Arrays.equals(IdxReader.readImages(raw).pixels(), IdxReader.readImages(gz).pixels()));
        assertEquals(2, IdxReader.readImages(raw).count());
    }

    @Test
    void labelsOutOfRangeAreRejected() throws IOException {
        gzip(dir.resolve("train-images-idx3-ubyte.gz"), idxImages(2, 28, 28, 2 * 784));
        byte[] labels = idxLabels(2);
        labels[9] = 12;
        gzip(dir.resolve("train-labels-idx1-ubyte.gz"), labels);
        gzip(dir.resolve("t10k-images-idx3-ubyte.gz"), idxImages(2, 28, 28, 2 * 784));
        gzip(dir.resolve("t10k-labels-idx1-ubyte.gz"), idxLabels(2));
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.load(dir));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
    }

    private static byte[] idxImages(int count, int rows, int cols, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.IMAGES_MAGIC);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < dataBytes; i++) {
            out.writeByte(i % 251);
        }
        return bytes.toByteArray();
    }

    private static byte[] idxLabels(int count) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.LABELS_MAGIC);
        out.writeInt(count);
        for (int i = 0; i < count; i++) {
            out.writeByte(i % 10);
        }
        return bytes.toByteArray();
    }

    private static void gzip(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
    }
}
