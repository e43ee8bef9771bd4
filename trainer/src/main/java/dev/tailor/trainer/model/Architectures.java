package dev.tailor.trainer.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The architectures Tailor can train, by name. */
public final class Architectures {
    private static final Map<String, Architecture> BY_NAME = new LinkedHashMap<>();

    static {
        List<Architecture> all = new ArrayList<>(List.of(new Cnn4b(), new MiniResNet()));
        all.addAll(Baselines.all());
        all.forEach(a -> BY_NAME.put(a.name(), a));
    }

    private Architectures() {
    }

    /** Names in a stable order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The architecture called {@code name}; an unknown name lists the known ones. */
    public static Architecture byName(String name) {
        Architecture a = BY_NAME.get(name);
        if (a == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", names()));
        }
        return a;
    }
}
