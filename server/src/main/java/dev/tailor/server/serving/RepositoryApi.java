package dev.tailor.server.serving;

import dev.tailor.server.BearerToken;
import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Triton's model-repository extension (index, load, unload) without the protocol: checks the
 * caller's bearer token, then asks the repository and its manager. With no token configured every
 * call is refused (FORBIDDEN) with how to enable it; a missing or wrong token is UNAUTHORIZED. The
 * HTTP and gRPC services both call it.
 */
public final class RepositoryApi {
    /** How to switch the API on, for the FORBIDDEN answer. */
    static final String DISABLED = "the repository API is disabled: set tailor.repository.api-token (environment"
            + " variable TAILOR_REPOSITORY_API_dash_TOKEN) and send it as 'Authorization: Bearer <token>'";

    private final ModelRepository repository;
    private final RepositoryManager manager;
    private final Optional<BearerToken> token;

    /** Serves {@code repository} through {@code manager}; {@code token} empty switches the API off. */
    public RepositoryApi(ModelRepository repository, RepositoryManager manager, Optional<String> token) {
        this.repository = repository;
        this.manager = manager;
        this.token = token.map(t -> new BearerToken(t, "the repository API (tailor.repository.api-token)"));
    }

    /** One entry of the index: Triton's {@code name}, {@code version}, {@code state}, {@code reason}. */
    public record IndexEntry(String name, String version, String state, String reason) {
    }

    /**
     * Checks an {@code Authorization} header value ({@code Bearer <token>}; null when absent).
     *
     * @throws ServingException FORBIDDEN when the API is off, UNAUTHORIZED for a missing or wrong token
     */
    public void authorize(String authorization) {
        token.orElseThrow(() -> new ServingException(ErrorKind.FORBIDDEN, DISABLED)).check(authorization);
    }

    /** Every model file of the repository, or only those serving when {@code readyOnly}. */
    public List<IndexEntry> index(String authorization, boolean readyOnly) {
        authorize(authorization);
        return repository.statuses().stream().filter(s -> !readyOnly || s.isReady())
                .map(s -> new IndexEntry(s.name(), s.version() == null ? "" : s.version(), s.state().tritonName(),
                        s.reason() == null ? "" : s.reason()))
                .toList();
    }

    /**
     * Loads or reloads {@code name} and waits for the outcome.
     *
     * @param parameters the names of the request's parameters; none is supported
     */
    public void load(String authorization, String name, Set<String> parameters) {
        authorize(authorization);
        if (!parameters.isEmpty()) {
            throw ServingException.badRequest("load parameters " + parameters + " are not supported: the model and"
                    + " its settings come from the models folder and the server configuration");
        }
        manager.load(ModelNames.check(name));
    }

    /**
     * Unloads {@code name}: it stops taking requests at once and unloads once those it holds are done.
     *
     * @param parameters the names of the request's parameters; only {@code unload_dependents} (no
     *                   model has dependents here) is accepted
     */
    public void unload(String authorization, String name, Set<String> parameters) {
        authorize(authorization);
        Set<String> unknown = new TreeSet<>(parameters);
        unknown.remove("unload_dependents");
        if (!unknown.isEmpty()) {
            throw ServingException.badRequest("unload parameters " + unknown + " are not supported");
        }
        manager.unload(ModelNames.check(name));
    }
}
