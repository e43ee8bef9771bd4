package dev.tailor.server.serving;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/**
 * One model name: the instances serving its versions and the status of each of its files.
 * Request threads read it without locks (the version map is replaced whole, so a lookup sees the
 * old map or the new one, never half a switch); the repository manager changes it under the
 * entry's lock.
 */
final class ModelEntry {
    private final String name;
    private volatile NavigableMap<String, ServedModel> serving = Collections.emptyNavigableMap();
    private final ConcurrentSkipListMap<String, ModelStatus> files = new ConcurrentSkipListMap<>();
    private volatile boolean unloaded;
    private volatile boolean onDisk = true;

    ModelEntry(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    /** The latest version serving, or null. */
    ServedModel latest() {
        NavigableMap<String, ServedModel> now = serving;
        return now.isEmpty() ? null : now.lastEntry().getValue();
    }

    /** The instance serving {@code version}, or null. */
    ServedModel version(String version) {
        return serving.get(version);
    }

    /** The versions serving, oldest first. */
    List<String> versions() {
        return List.copyOf(serving.keySet());
    }

    /** The instances serving, oldest version first. */
    Collection<ServedModel> instances() {
        return serving.values();
    }

    /** The instance serving from {@code file}, or null. */
    ServedModel servingFrom(String file) {
        for (ServedModel served : serving.values()) {
            if (served.source().relative().equals(file)) {
                return served;
            }
        }
        return null;
    }

    /** The status of {@code file}, or null. */
    ModelStatus status(String file) {
        return files.get(file);
    }

    /** Every file's status, by path. */
    Collection<ModelStatus> statuses() {
        return files.values();
    }

    /** Whether the repository API unloaded this model (it stays unloaded until loaded through the API). */
    boolean isUnloaded() {
        return unloaded;
    }

    void unloaded(boolean value) {
        unloaded = value;
    }

    /** Whether the models folder still holds a file of this model. */
    boolean isOnDisk() {
        return onDisk;
    }

    void onDisk(boolean value) {
        onDisk = value;
    }

    /** Whether nothing is left of the model: no instance serving or draining, no status to show. */
    boolean isEmpty() {
        return serving.isEmpty() && files.isEmpty();
    }

    /** Serves {@code served} under its version, in place of whatever served from the same file or version. */
    synchronized void put(ServedModel served) {
        NavigableMap<String, ServedModel> next = new TreeMap<>(VersionOrder.INSTANCE);
        next.putAll(serving);
        next.values().removeIf(s -> s.source().relative().equals(served.source().relative()));
        next.put(served.info().version(), served);
        serving = Collections.unmodifiableNavigableMap(next);
    }

    /** Stops serving {@code served}, if it still does. */
    synchronized void remove(ServedModel served) {
        if (serving.get(served.info().version()) == served) {
            NavigableMap<String, ServedModel> next = new TreeMap<>(VersionOrder.INSTANCE);
            next.putAll(serving);
            next.remove(served.info().version());
            serving = Collections.unmodifiableNavigableMap(next);
        }
    }

    synchronized void status(ModelStatus status) {
        files.put(status.file(), status);
    }

    /** Changes the status of {@code file}, if it has one; {@code change} may return null to drop it. */
    synchronized void updateStatus(String file, UnaryOperator<ModelStatus> change) {
        ModelStatus current = files.get(file);
        if (current != null) {
            ModelStatus next = change.apply(current);
            if (next == null) {
                files.remove(file);
            } else {
                files.put(file, next);
            }
        }
    }

    synchronized void removeStatus(String file) {
        files.remove(file);
    }
}
