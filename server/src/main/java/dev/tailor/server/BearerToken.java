package dev.tailor.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * A configured secret that callers present as {@code Authorization: Bearer <token>} (gRPC: the
 * {@code authorization} metadata). The comparison takes the same time whatever the given token, so
 * that timing tells nothing about the secret; the secret is never logged or shown.
 */
public final class BearerToken {
    private static final String SCHEME = "bearer ";

    private final byte[] secret;
    private final String what;

    /**
     * @param secret the token; not blank
     * @param what   what it protects and where it is configured, for the UNAUTHORIZED messages
     *               (e.g. "the repository API (tailor.repository.api-token)")
     */
    public BearerToken(String secret, String what) {
        if (secret.isBlank()) {
            throw new IllegalArgumentException("a bearer token must not be blank");
        }
        this.secret = secret.trim().getBytes(StandardCharsets.UTF_8);
        this.what = what;
    }

    /**
     * Checks an {@code Authorization} value (null when the request had none).
     *
     * @throws ServingException UNAUTHORIZED when it is missing, not a bearer token, or not this token
     */
    public void check(String authorization) {
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(SCHEME)) {
            throw new ServingException(ErrorKind.UNAUTHORIZED, what + " needs 'Authorization: Bearer <token>'");
        }
        byte[] given = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(secret, given)) {
            throw new ServingException(ErrorKind.UNAUTHORIZED, "wrong bearer token for " + what);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[" + what + "]"; // never the secret
    }
}
