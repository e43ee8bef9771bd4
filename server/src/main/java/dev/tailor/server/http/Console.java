package dev.tailor.server.http;

import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;

/**
 * The browser console at {@code /console}: static files (HTML, JavaScript, CSS) from the server
 * jar's {@code console/} folder, no build step. The page reads only the public APIs a script would
 * ({@code /v1/models}, {@code /observe/metrics}, {@code /v2/health/ready}, classify/explain and the
 * repository API), so it shows nothing a client could not see and needs no network but the server's.
 */
public final class Console {
    private Console() {
    }

    /** The service serving the console's files; register it under {@code /console}. */
    public static HttpService service() {
        return StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                .location("console")
                .welcome("index.html")
                .build());
    }
}
