package dev.tailor.server.serving;

import java.util.Locale;

/**
 * Where one model file stands: being loaded, serving, draining before it unloads, unloaded on
 * request, or failed to load. Each has the name Triton's repository index reports for it.
 */
public enum ModelState {
    /** Being read, checked and warmed up (or waiting for its file to stop changing); not serving yet. */
    LOADING("LOADING"),
    /** Serving requests. */
    READY("READY"),
    /** Takes no new requests; finishing those it holds, then it unloads. */
    DRAINING("UNLOADING"),
    /** Unloaded through the repository API; stays so until loaded again through it. */
    UNLOADED("UNAVAILABLE"),
    /** Its file was rejected and nothing of it serves; the reason says why. */
    FAILED("UNAVAILABLE");

    private final String triton;

    ModelState(String triton) {
        this.triton = triton;
    }

    /** The state as Triton's repository index names it (READY, LOADING, UNLOADING, UNAVAILABLE). */
    public String tritonName() {
        return triton;
    }

    /** The state in lower case, as the model list shows it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
