package dev.tailor.server.http;

import dev.tailor.server.BearerToken;
import dev.tailor.server.ServingException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The optional bearer token of the inference APIs over HTTP ({@code tailor.inference-api-token}):
 * model metadata, inference, classify and the model list ({@code /v2/models/...}, {@code /v1/...})
 * answer 401 with {@code WWW-Authenticate} without {@code Authorization: Bearer <token>}. Health
 * ({@code /v2/health/*}, model readiness, {@code /observe/*}), server metadata ({@code /v2}) and
 * the OpenAPI document stay open; the repository API checks its own token.
 */
public final class InferenceAuth implements Filter {
    private final BearerToken token;
    private final Exchanges exchanges;

    /** Asks for {@code token}, answering refusals through {@code exchanges}. */
    public InferenceAuth(BearerToken token, Exchanges exchanges) {
        this.token = token;
        this.exchanges = exchanges;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (guarded(req.path().path())) {
            try {
                token.check(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
            } catch (ServingException e) {
                exchanges.failed(req, res, e);
                return;
            }
        }
        chain.proceed();
    }

    /** Whether {@code path} is an inference API path that needs the token. */
    static boolean guarded(String path) {
        if (path.startsWith("/v1/")) {
            return true;
        }
        if (!path.startsWith("/v2/models/")) {
            return false;
        }
        // open: /v2/models/{name}/ready and /v2/models/{name}/versions/{version}/ready, and nothing else
        String[] segments = path.substring(1).split("/", -1);
        boolean readiness = segments[segments.length - 1].equals("ready")
                && (segments.length == 4 || segments.length == 6 && segments[3].equals("versions"));
        return !readiness;
    }
}
