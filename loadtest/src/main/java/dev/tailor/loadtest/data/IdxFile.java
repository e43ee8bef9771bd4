package dev.tailor.loadtest.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * One of the dataset's IDX files, as Debian's {@code dataset-fashion-mnist} package ships it
 * (gzipped) or as a user unpacked it (plain), open and past its checked magic number. A file that
 * ends early reads as an {@link IOException} naming it.
 */
final class IdxFile implements Closeable {
    private final Path path;
    private final String kind;
    private final DataInputStream in;

    private IdxFile(Path path, String kind, DataInputStream in) {
        this.path = path;
        this.kind = kind;
        this.in = in;
    }

    /** {@code name} in {@code dir}: the {@code .gz} if present, else the plain file; null if neither. */
    static Path find(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        return Files.isRegularFile(plain) ? plain : null;
    }

    /**
     * Opens {@code name} in {@code dir} and reads its magic number, which must be {@code magic}.
     *
     * @param kind what the file holds, for messages ("image", "label")
     * @throws IOException when the file is missing, short, or not an IDX {@code kind} file
     */
    static IdxFile open(Path dir, String name, int magic, String kind) throws IOException {
        Path file = find(dir, name);
        if (file == null) {
            throw new IOException("no " + name + "(.gz) in " + dir
                    + " (install Debian's dataset-fashion-mnist package, or point --data or TAILOR_DATA at the folder)");
        }
        InputStream raw = Files.newInputStream(file);
        IdxFile idx;
        try {
            // GZIPInputStream reads the gzip header here and throws on a corrupt one
            idx = new IdxFile(file, kind, new DataInputStream(new BufferedInputStream(
                    file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw)));
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + " is not a gzip file: " + e.getMessage(), e);
        }
        try {
            int found = idx.readInt();
            if (found != magic) {
                throw new IOException(file + " is not an IDX " + kind + " file (magic " + Integer.toHexString(found) + ")");
            }
            return idx;
        } catch (IOException e) {
            idx.close();
            throw e;
        }
    }

    /** Where the file is. */
    Path path() {
        return path;
    }

    /** The next big-endian int of the header. */
    int readInt() throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IOException(path + " ends inside its header", e);
        }
    }

    /** Fills {@code into} from the file. */
    void readFully(byte[] into) throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw new IOException(path + " ends before its last " + kind, e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
