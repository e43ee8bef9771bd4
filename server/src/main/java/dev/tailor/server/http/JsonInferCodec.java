package dev.tailor.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tailor.server.ServingException;
import dev.tailor.server.infer.InferRequest;
import dev.tailor.server.infer.InferResponse;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.OutputRequest;
import dev.tailor.server.infer.TensorInput;
import dev.tailor.server.infer.TensorOutput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes the Open Inference Protocol's JSON inference messages with Jackson's streaming
 * API, so that a tensor's {@code data} (flat or nested, any depth) goes straight into a float array
 * without an object tree. Every malformed request becomes a 400 with the reason.
 */
final class JsonInferCodec {
    // the body stream is Helidon's: closing it would read the rest of the body, even past the payload limit
    // fast float parsing and writing (FastDoubleParser, Schubfach): tensors are thousands of numbers per request
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    private JsonInferCodec() {
    }

    /** Parses an inference request body for {@code model}/{@code version}. */
    static InferRequest read(InputStream body, String model, String version) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ServingException.badRequest("malformed JSON: the request must be a JSON object");
            }
            String id = "";
            Duration timeout = null;
            List<TensorInput> inputs = null;
            List<OutputRequest> outputs = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = text(p, value, "id");
                    case "inputs" -> inputs = inputs(p, value);
                    case "outputs" -> outputs = outputs(p, value);
                    case "parameters" -> timeout = requestParameters(p, value);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw ServingException.badRequest("malformed JSON: unexpected content after the request object");
            }
            if (inputs == null || inputs.isEmpty()) {
                throw ServingException.badRequest("the request has no 'inputs'");
            }
            return new InferRequest(model, version, id, inputs, outputs, timeout);
        } catch (JsonParseException e) {
            throw ServingException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    private static List<TensorInput> inputs(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_ARRAY, "'inputs' must be an array");
        List<TensorInput> inputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken(), JsonToken.START_OBJECT, "each input must be an object");
            String name = null;
            String datatype = null;
            long[] shape = null;
            FloatArray data = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> name = text(p, value, "input name");
                    case "datatype" -> datatype = text(p, value, "datatype");
                    case "shape" -> shape = shape(p, value);
                    case "data" -> {
                        data = new FloatArray();
                        readData(p, value, data);
                    }
                    default -> p.skipChildren();
                }
            }
            if (name == null || datatype == null || shape == null || data == null) {
                throw ServingException.badRequest("each input needs 'name', 'shape', 'datatype' and 'data'");
            }
            if (data.nonNumeric && "FP32".equals(datatype)) {
                throw ServingException.badRequest("input '" + name + "': FP32 'data' must hold numbers only");
            }
            inputs.add(new TensorInput(name, datatype, shape, data.toArray()));
        }
        return inputs;
    }

    /** Appends the numbers of a flat or nested array, row-major. */
    private static void readData(JsonParser p, JsonToken token, FloatArray into) throws IOException {
        if (token != JsonToken.START_ARRAY) {
            throw ServingException.badRequest("'data' must be an array");
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw ServingException.badRequest("malformed JSON: 'data' ends early");
            }
            switch (t) {
                case START_ARRAY -> depth++;
                case END_ARRAY -> depth--;
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> into.add(p.getFloatValue());
                case START_OBJECT -> {
                    p.skipChildren();
                    into.nonNumeric = true;
                }
                default -> into.nonNumeric = true; // strings, booleans, null: not FP32
            }
        }
    }

    private static long[] shape(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_ARRAY, "'shape' must be an array of integers");
        List<Long> dims = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw ServingException.badRequest("'shape' must be an array of integers");
            }
            dims.add(p.getLongValue());
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static List<OutputRequest> outputs(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_ARRAY, "'outputs' must be an array");
        List<OutputRequest> outputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken(), JsonToken.START_OBJECT, "each output must be an object");
            String name = null;
            int classification = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("name")) {
                    name = text(p, value, "output name");
                } else if (field.equals("parameters")) {
                    expect(value, JsonToken.START_OBJECT, "output 'parameters' must be an object");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String parameter = p.currentName();
                        JsonToken v = p.nextToken();
                        if (parameter.equals("classification")) {
                            if (v != JsonToken.VALUE_NUMBER_INT) {
                                throw ServingException.badRequest("'classification' must be an integer");
                            }
                            classification = p.getIntValue();
                            if (classification < 1) {
                                throw ServingException.badRequest("'classification' must be at least 1");
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (name == null) {
                throw ServingException.badRequest("each requested output needs a 'name'");
            }
            outputs.add(new OutputRequest(name, classification));
        }
        return outputs;
    }

    /** Reads request parameters; only {@code timeout} (microseconds, as Triton) is used. */
    private static Duration requestParameters(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_OBJECT, "'parameters' must be an object");
        Duration timeout = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("timeout")) {
                long micros = v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                        ? p.getLongValue() : -1;
                if (micros <= 0 || micros > Inference.MAX_TIMEOUT.toNanos() / 1000) {
                    throw ServingException.badRequest("'timeout' must be a whole number of microseconds from 1 to "
                            + Inference.MAX_TIMEOUT.toNanos() / 1000 + " (" + Inference.MAX_TIMEOUT.toHours()
                            + " h), not " + p.getText());
                }
                timeout = Duration.ofNanos(micros * 1000);
            } else {
                p.skipChildren();
            }
        }
        return timeout;
    }

    private static String text(JsonParser p, JsonToken token, String what) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw ServingException.badRequest(what + " must be a string");
        }
        return p.getText();
    }

    private static void expect(JsonToken actual, JsonToken expected, String message) {
        if (actual != expected) {
            throw ServingException.badRequest(message);
        }
    }

    /** Serializes an inference response. */
    static byte[] write(InferResponse response) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", response.model());
            g.writeStringField("model_version", response.version());
            if (!response.id().isEmpty()) {
                g.writeStringField("id", response.id());
            }
            g.writeArrayFieldStart("outputs");
            for (TensorOutput out : response.outputs()) {
                g.writeStartObject();
                g.writeStringField("name", out.name());
                g.writeStringField("datatype", out.datatype());
                g.writeFieldName("shape");
                g.writeArray(out.shape(), 0, out.shape().length);
                g.writeArrayFieldStart("data");
                if (out.strings() != null) {
                    for (String s : out.strings()) {
                        g.writeString(s);
                    }
                } else {
                    for (float v : out.data()) {
                        g.writeNumber(v);
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** A growable float array; cheaper than boxing each value. */
    private static final class FloatArray {
        private float[] values = new float[1024];
        private int size;
        private boolean nonNumeric;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /** Small helper to write JSON bodies with a generator. */
    static final class Json {
        private Json() {
        }

        interface Body {
            void write(JsonGenerator g) throws IOException;
        }

        static byte[] write(Body body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                body.write(g);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
