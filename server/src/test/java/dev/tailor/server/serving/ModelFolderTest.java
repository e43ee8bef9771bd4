package dev.tailor.server.serving;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layout of a real models folder, read without loading anything. */
class ModelFolderTest {
    @TempDir
    Path root;

    @Test
    void flatFilesAndVersionFoldersAreModelsAndTemporaryNamesAreNot() throws Exception {
        write("shop.onnx");
        write("multi/1/model.onnx");
        write("multi/12/model.onnx");
        write("multi/2/model.onnx");
        write("multi/0/model.onnx");       // versions start at 1
        write("multi/latest/model.onnx");  // not a number
        write("multi/3/other.onnx");       // not the version file
        Files.createDirectories(root.resolve("multi/4")); // a version being created
        write(".hidden.onnx");
        write("copying.onnx.part");
        write("saving.onnx.tmp");
        write("backup.onnx~");
        write("notes.txt");
        write(".cache/1/model.onnx");

        ModelFolder.Listing listing = new ModelFolder(root).list();

        assertEquals(List.of("multi", "shop"), List.copyOf(listing.models().keySet()));
        List<ModelFile> multi = listing.models().get("multi");
        assertEquals(List.of(1L, 2L, 12L), multi.stream().map(ModelFile::version).toList());
        assertEquals("multi/12/model.onnx", multi.get(2).relative());
        assertEquals("12", multi.get(2).servedVersion());
        ModelFile shop = listing.models().get("shop").getFirst();
        assertNull(shop.version(), "a flat file's version comes from its metadata");
        assertEquals(5, shop.stamp().size());
        assertEquals(List.of(), listing.problems());
        assertTrue(listing.folders().containsAll(List.of(root, root.resolve("multi"), root.resolve("multi/4"))),
                "new version folders are watched: " + listing.folders());
    }

    @Test
    void aFileBesideTheModelsVersionFolderAndAnInvalidNameAreReportedNotServed() throws Exception {
        write("shop.onnx");
        write("shop/1/model.onnx");
        write("bad name.onnx");

        ModelFolder.Listing listing = new ModelFolder(root).list();

        assertEquals("shop/1/model.onnx", listing.models().get("shop").getFirst().relative());
        assertEquals(2, listing.problems().size(), listing.problems().toString());
        ModelFolder.Problem invalid = listing.problems().getFirst();
        assertNull(invalid.name());
        assertTrue(invalid.reason().contains("not a valid model name"), invalid.reason());
        ModelFolder.Problem conflict = listing.problems().get(1);
        assertEquals("shop", conflict.name());
        assertEquals("shop.onnx", conflict.relative());
        assertTrue(conflict.reason().contains("folder shop/ holds this model's versions"), conflict.reason());
    }

    private void write(String relative) throws Exception {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.write(file, "bytes".getBytes());
    }
}
