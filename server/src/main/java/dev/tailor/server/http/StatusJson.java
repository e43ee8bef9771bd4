package dev.tailor.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tailor.server.serving.ModelStatus;
import dev.tailor.server.serving.ServedModel;

import java.io.IOException;

/**
 * Writes where a model file stands (state, file, SHA-256, load time, provider, last load error),
 * the same way in the model list and in the OIP metadata's {@code parameters}.
 */
final class StatusJson {
    private StatusJson() {
    }

    /**
     * The status fields, into the object being written.
     *
     * @param nested whether the last error may be an object ({@code /v1/models}) or must be flat
     *               strings (OIP parameters are scalars)
     */
    static void write(JsonGenerator g, ModelStatus status, boolean nested) throws IOException {
        g.writeStringField("state", status.state().label());
        if (status.reason() != null) {
            g.writeStringField("reason", status.reason());
        }
        g.writeStringField("file", status.file());
        ServedModel served = status.serving();
        if (served != null) {
            g.writeStringField("sha256", served.source().sha256());
            g.writeStringField("loaded_at", served.source().loadedAt().toString());
            g.writeNumberField("load_ms", served.source().loadTime().toMillis());
            g.writeStringField("provider", served.info().provider());
        }
        ModelStatus.LoadError error = status.lastError();
        if (error == null) {
            return;
        }
        if (nested) {
            g.writeObjectFieldStart("last_error");
            g.writeStringField("reason", error.reason());
            g.writeStringField("sha256", error.sha256());
            g.writeNumberField("bytes", error.bytes());
            g.writeStringField("at", error.at().toString());
            g.writeEndObject();
        } else {
            g.writeStringField("last_error", error.reason());
            g.writeStringField("last_error_sha256", error.sha256());
            g.writeStringField("last_error_at", error.at().toString());
        }
    }
}
