package dev.tailor.server.serving;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The models being served, by name and version, as request handlers see them: lookups, the
 * model list, and readiness. A lookup for a request takes a {@link ServedModel.Use}, so a model
 * swapped or removed after the lookup still serves that request. What is served changes only
 * through the {@link RepositoryManager}, which loads files and retires instances; this class
 * holds no files, threads or sessions.
 */
public final class ModelRepository {
    private final ConcurrentSkipListMap<String, ModelEntry> entries = new ConcurrentSkipListMap<>();
    private final Set<String> required = ConcurrentHashMap.newKeySet();
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * Takes a use of the model for one request; close it when the request has its answer.
     *
     * @param version the version asked for, or empty for the latest serving
     * @throws ServingException NOT_FOUND for an unknown model or version, UNAVAILABLE when the model
     *                          is not ready (loading, failed, unloaded) or the server is shutting down
     */
    public ServedModel.Use acquire(String name, String version) {
        while (true) {
            ServedModel.Use use = find(name, version).tryUse();
            if (use != null) {
                return use;
            }
            // it closed between the lookup and the use: it has been replaced or removed, so look again
            Thread.onSpinWait();
        }
    }

    /**
     * The instance serving {@code name} in {@code version} (the latest when empty), without
     * holding it: for metadata and early checks. Requests that run the model use {@link #acquire}.
     *
     * @throws ServingException as {@link #acquire}
     */
    public ServedModel find(String name, String version) {
        if (closed) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "the server is shutting down");
        }
        ModelEntry entry = entry(name);
        boolean latest = version == null || version.isEmpty();
        ServedModel served = latest ? entry.latest() : entry.version(version);
        if (served != null && served.failure() != null) {
            throw new ServingException(ErrorKind.UNAVAILABLE, "model '" + name + "' version " + served.info().version()
                    + " is not ready: " + served.failure());
        }
        if (served != null) {
            return served;
        }
        ModelStatus status = latest ? statusOfLatest(entry) : statusOf(entry, version);
        if (status == null) {
            throw ServingException.notFound("model '" + name + "' has no version '" + version + "'; it serves "
                    + (entry.versions().isEmpty() ? "none" : "versions " + entry.versions()));
        }
        throw new ServingException(ErrorKind.UNAVAILABLE, "model '" + name + "'"
                + (status.version() != null ? " version " + status.version() : "") + " is not ready: "
                + status.state().label() + (status.reason() != null ? " (" + status.reason() + ")" : ""));
    }

    /**
     * Whether {@code name} serves {@code version} (the latest when empty) now.
     *
     * @throws ServingException NOT_FOUND for an unknown model, or a version it never had
     */
    public boolean isReady(String name, String version) {
        ModelEntry entry = entry(name);
        if (version == null || version.isEmpty()) {
            return !closed && serves(entry.latest());
        }
        if (entry.version(version) != null) {
            return !closed && serves(entry.version(version));
        }
        if (statusOf(entry, version) == null) {
            throw ServingException.notFound("model '" + name + "' has no version '" + version + "'");
        }
        return false;
    }

    /** The versions of {@code name} serving now, oldest first; empty for an unknown model. */
    public List<String> versions(String name) {
        ModelEntry entry = entries.get(name);
        return entry == null ? List.of() : entry.versions();
    }

    /** Whether {@code name} is a model of the repository (serving or not): request metrics label by such names only. */
    public boolean knows(String name) {
        return name != null && entries.containsKey(name);
    }

    /** Every instance serving now, by name, oldest version first. */
    public List<ServedModel> models() {
        List<ServedModel> all = new ArrayList<>();
        for (ModelEntry entry : entries.values()) {
            all.addAll(entry.instances());
        }
        return all;
    }

    /** Every model file's status, by name, then version, then file. */
    public List<ModelStatus> statuses() {
        List<ModelStatus> all = new ArrayList<>();
        for (ModelEntry entry : entries.values()) {
            all.addAll(entry.statuses());
        }
        all.sort(Comparator.comparing(ModelStatus::name)
                .thenComparing(s -> s.version() == null ? "" : s.version(), VersionOrder.INSTANCE)
                .thenComparing(ModelStatus::file));
        return all;
    }

    /** The statuses of one model's files, or an empty list for an unknown model. */
    public List<ModelStatus> statuses(String name) {
        return statuses().stream().filter(s -> s.name().equals(name)).toList();
    }

    /**
     * True once the models found at start have loaded, while every one of them that is still in
     * the folder (and not unloaded through the API) serves, and at least one model serves; false
     * from the start of shutdown.
     */
    public boolean isReady() {
        if (!started || closed) {
            return false;
        }
        boolean any = false;
        for (ModelEntry entry : entries.values()) {
            any |= serves(entry.latest());
        }
        for (String name : required) {
            ModelEntry entry = entries.get(name);
            if (entry == null || !serves(entry.latest())) {
                return false;
            }
        }
        return any;
    }

    /** The models found at start that must serve for the server to be ready; those that do not, by name. */
    public List<String> notReady() {
        return required.stream().filter(n -> entries.get(n) == null || !serves(entries.get(n).latest())).sorted()
                .toList();
    }

    /** Whether {@code served} is there and can run requests. */
    private static boolean serves(ServedModel served) {
        return served != null && served.failure() == null;
    }

    private ModelEntry entry(String name) {
        ModelEntry entry = name == null ? null : entries.get(name);
        if (entry != null && !entry.isOnDisk() && entry.latest() == null) {
            throw ServingException.notFound("model '" + name + "' was removed from the models folder");
        }
        if (entry == null) {
            throw ServingException.notFound("unknown model '" + name + "'; models: " + entries.values().stream()
                    .filter(ModelEntry::isOnDisk).map(ModelEntry::name).toList());
        }
        return entry;
    }

    private static ModelStatus statusOfLatest(ModelEntry entry) {
        return entry.statuses().stream().max(Comparator.comparing(s -> s.version() == null ? "" : s.version(),
                VersionOrder.INSTANCE)).orElse(new ModelStatus(entry.name(), null, ModelState.LOADING, null, "", null,
                null));
    }

    private static ModelStatus statusOf(ModelEntry entry, String version) {
        return entry.statuses().stream().filter(s -> version.equals(s.version())).findFirst().orElse(null);
    }

    // ---- changed by the RepositoryManager only ----

    ModelEntry get(String name) {
        return entries.get(name);
    }

    ModelEntry getOrCreate(String name) {
        return entries.computeIfAbsent(name, ModelEntry::new);
    }

    Collection<ModelEntry> entries() {
        return entries.values();
    }

    Set<String> names() {
        return entries.keySet();
    }

    void remove(ModelEntry entry) {
        entries.remove(entry.name(), entry);
    }

    /** The models found at start: the server is ready once each serves. */
    void require(Collection<String> names) {
        required.addAll(names);
    }

    /** A model deleted or unloaded on purpose no longer holds readiness back. */
    void release(String name) {
        required.remove(name);
    }

    void started() {
        started = true;
    }

    void closing() {
        closed = true;
    }
}
