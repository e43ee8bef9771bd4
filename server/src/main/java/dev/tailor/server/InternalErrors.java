package dev.tailor.server;

import java.lang.System.Logger.Level;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way a failure that is not the client's fault (a bug, a runtime fault) is answered and
 * logged: the log gets the stack trace under a short random reference, the client gets 500 /
 * INTERNAL with that reference and nothing else, so no answer carries class names, messages of
 * libraries or stack traces. The log is rate-limited.
 */
public final class InternalErrors {
    private final RateLimitedLog log;

    /** Logs into {@code logger}. */
    public InternalErrors(System.Logger logger) {
        this.log = new RateLimitedLog(logger, 20, 2);
    }

    /** Logs {@code failure} of {@code what} (e.g. "POST /v2/models/m/infer") and returns its reference. */
    public String report(String what, Throwable failure) {
        String reference = newReference();
        log.log(Level.ERROR, what + " failed (reference " + reference + ")", failure);
        return reference;
    }

    /** A fresh reference: eight hex digits, enough to find one failure in a day's log. */
    public static String newReference() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    /** Reports {@code failure} and returns the answer for the client: INTERNAL with the reference only. */
    public ServingException answer(String what, Throwable failure) {
        return new ServingException(ErrorKind.INTERNAL, "internal error (reference " + report(what, failure)
                + "; the server log has the details)");
    }
}
