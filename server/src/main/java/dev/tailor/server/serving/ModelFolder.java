package dev.tailor.server.serving;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads the layout of the models folder: {@code name.onnx} files and Triton's
 * {@code name/<version>/model.onnx} folders. Files still being written under a temporary name
 * (hidden, {@code .tmp}, {@code .part}, {@code ~}) are not models; a name that could not be served
 * is reported, not guessed at. Reads names and file attributes only, never file contents, and keeps
 * no state: what changed since the last look is for its caller to work out.
 */
final class ModelFolder {
    /** The file Triton's layout expects in each version folder. */
    static final String VERSION_FILE = "model.onnx";
    private static final String SUFFIX = ".onnx";
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    private final Path root;

    ModelFolder(Path root) {
        this.root = root;
    }

    /** The folder read. */
    Path root() {
        return root;
    }

    /**
     * What the folder holds now.
     *
     * @param models   each model's files by name (one for {@code name.onnx}, one per version folder)
     * @param problems entries that look like models but cannot be served, with why
     * @param folders  the folders to watch: the root, each model folder and each version folder
     */
    record Listing(Map<String, List<ModelFile>> models, List<Problem> problems, List<Path> folders) {
    }

    /** An entry that cannot be served, keyed by its model name (null when the name itself is the problem). */
    record Problem(String name, String relative, String reason) {
    }

    /**
     * Lists the folder.
     *
     * @throws IOException when the folder itself cannot be listed
     */
    Listing list() throws IOException {
        Map<String, List<ModelFile>> models = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        List<Path> folders = new ArrayList<>(List.of(root));
        Map<String, ModelFile> flat = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                if (isTemporary(fileName)) {
                    continue;
                }
                if (Files.isDirectory(entry)) {
                    if (ModelNames.isValid(fileName)) {
                        List<ModelFile> versions = versions(fileName, entry, folders);
                        if (!versions.isEmpty()) {
                            models.put(fileName, versions);
                        }
                    }
                } else if (fileName.endsWith(SUFFIX) && Files.isRegularFile(entry)) {
                    String name = fileName.substring(0, fileName.length() - SUFFIX.length());
                    if (!ModelNames.isValid(name)) {
                        problems.add(new Problem(null, fileName, "'" + name + "' is not a valid model name: use letters,"
                                + " digits, '_', '-' and '.'"));
                    } else {
                        stamped(name, null, fileName, entry).ifPresent(file -> flat.put(name, file));
                    }
                }
            }
        }
        for (Map.Entry<String, ModelFile> file : flat.entrySet()) {
            if (models.containsKey(file.getKey())) {
                problems.add(new Problem(file.getKey(), file.getValue().relative(), "ignored: folder "
                        + file.getKey() + "/ holds this model's versions; remove one of the two"));
            } else {
                models.put(file.getKey(), List.of(file.getValue()));
            }
        }
        return new Listing(models, problems, folders);
    }

    private List<ModelFile> versions(String name, Path folder, List<Path> folders) throws IOException {
        List<ModelFile> versions = new ArrayList<>();
        boolean isModel = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String version = entry.getFileName().toString();
                if (VERSION.matcher(version).matches() && Files.isDirectory(entry)) {
                    isModel = true;
                    folders.add(entry);
                    Path file = entry.resolve(VERSION_FILE);
                    if (Files.isRegularFile(file)) {
                        stamped(name, Long.parseLong(version), name + "/" + version + "/" + VERSION_FILE, file)
                                .ifPresent(versions::add);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return List.of(); // removed while we looked
        }
        if (isModel) {
            folders.add(folder);
        }
        versions.sort(Comparator.comparing(ModelFile::version));
        return versions;
    }

    private static Optional<ModelFile> stamped(String name, Long version, String relative, Path file) {
        try {
            return Optional.of(new ModelFile(name, version, relative, file, FileStamp.of(file)));
        } catch (IOException e) {
            return Optional.empty(); // removed while we looked; the next look settles it
        }
    }

    /** Hidden files and names editors, downloaders and copy tools give a file while writing it. */
    static boolean isTemporary(String fileName) {
        return fileName.startsWith(".") || fileName.endsWith("~") || fileName.endsWith(".tmp")
                || fileName.endsWith(".part") || fileName.endsWith(".partial") || fileName.endsWith(".swp")
                || fileName.contains(".tmp.") || fileName.contains(".part.");
    }
}
