package dev.tailor.server.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * What the file system says about a file without reading it: size, modification time and
 * identity (the inode on Linux). A different stamp means the file was written or replaced; an
 * equal one, that it was left alone.
 *
 * @param size     bytes
 * @param modified last modification
 * @param key      the file's identity, or null where the file system has none
 */
record FileStamp(long size, Instant modified, Object key) {
    /** Stats {@code file}, following links. */
    static FileStamp of(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(a.size(), a.lastModifiedTime().toInstant(), a.fileKey());
    }
}
