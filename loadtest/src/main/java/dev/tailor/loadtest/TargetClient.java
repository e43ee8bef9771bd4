package dev.tailor.loadtest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;

/**
 * The few plain GETs the command makes outside the load itself: the server's and model's metadata
 * before the run, and its Prometheus metrics before, during (ramp) and after it. Every failure to
 * get an answer becomes one line naming the URL and the cause ({@link LoadTestException}).
 */
public final class TargetClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final Target target;
    private final HttpClient http;

    public TargetClient(Target target) {
        this.target = target;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    /** An answer: status and body. */
    public record Answer(int status, String body) {
    }

    /** GETs {@code path} on the target. */
    public Answer get(String path, String accept) {
        URI uri = URI.create(target.baseUrl() + path);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", accept)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoadTestException(ExitStatus.TARGET, "interrupted while asking " + uri);
        } catch (IOException | IllegalArgumentException e) {
            throw new LoadTestException(ExitStatus.TARGET, "cannot reach " + uri + ": " + cause(e));
        }
    }

    private static String cause(Exception e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + TIMEOUT.toSeconds() + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + TIMEOUT.toSeconds() + " s";
        }
        // the JDK wraps an unresolvable host in a ConnectException: look for it along the whole chain first
        Throwable root = e;
        boolean refused = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host";
            }
            refused |= t instanceof ConnectException;
            root = t;
        }
        if (refused) {
            return "connection refused (is the server running there?)";
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
