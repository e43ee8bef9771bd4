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
import java.util.function.Function;

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

    /** Parses an inference request body for {@code model}/{@code version}; every input carries its {@code data}. */
    static InferRequest read(InputStream body, String model, String version) {
        return parse(body, model, version, false).request();
    }

    /**
     * What the JSON part of an inference request says. With Triton's binary tensor extension an input may
     * come without {@code data}, its values following the JSON as {@code binarySizes[i]} raw bytes (-1 for an
     * input whose data is in the JSON); outputs may be asked for as raw bytes.
     *
     * @param request       the request; an input sent as bytes has an empty {@code data} until they are read
     * @param binarySizes   per input, the size of its raw bytes after the JSON, or -1
     * @param binaryOutputs the requested outputs to answer as raw bytes (by name), or all when {@code allBinary}
     * @param allBinary     {@code parameters.binary_data_output}: every output as raw bytes unless it says otherwise
     */
    record Header(InferRequest request, long[] binarySizes, java.util.Map<String, Boolean> binaryOutputs, boolean allBinary) {
        /** Whether output {@code name} goes out as raw bytes. */
        boolean binary(String name) {
            return binaryOutputs.getOrDefault(name, allBinary);
        }

        /** Whether any output goes out as raw bytes. */
        boolean anyBinary(java.util.Collection<String> outputNames) {
            return outputNames.stream().anyMatch(this::binary);
        }
    }

    /** Parses the JSON header of a request in Triton's binary format (or a plain JSON request that asks for binary outputs). */
    static Header readHeader(InputStream json, String model, String version) {
        return parse(json, model, version, true);
    }

    private static Header parse(InputStream body, String model, String version, boolean binaryAllowed) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ServingException.badRequest("malformed JSON: the request must be a JSON object");
            }
            String id = "";
            RequestParameters parameters = new RequestParameters(null, false);
            List<ParsedInput> inputs = null;
            List<OutputRequest> outputs = List.of();
            java.util.Map<String, Boolean> binaryOutputs = new java.util.HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = text(p, value, "id");
                    case "inputs" -> inputs = inputs(p, value);
                    case "outputs" -> outputs = outputs(p, value, binaryOutputs);
                    case "parameters" -> parameters = requestParameters(p, value);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || !nothingFollows(p)) {
                throw ServingException.badRequest("malformed JSON: unexpected content after the request object (raw"
                        + " tensor bytes after the JSON need the Inference-Header-Content-Length header)");
            }
            if (inputs == null || inputs.isEmpty()) {
                throw ServingException.badRequest("the request has no 'inputs'");
            }
            List<TensorInput> tensors = new ArrayList<>(inputs.size());
            long[] binarySizes = new long[inputs.size()];
            for (int i = 0; i < inputs.size(); i++) {
                ParsedInput in = inputs.get(i);
                binarySizes[i] = in.binarySize();
                if (in.binarySize() >= 0 && !binaryAllowed) {
                    throw ServingException.badRequest("input '" + in.tensor().name() + "' has 'binary_data_size' but the"
                            + " request has no Inference-Header-Content-Length header (Triton's binary tensor format)");
                }
                tensors.add(in.tensor());
            }
            return new Header(new InferRequest(model, version, id, tensors, outputs, parameters.timeout()), binarySizes,
                    binaryOutputs, parameters.binaryOutput());
        } catch (JsonParseException e) {
            throw ServingException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    /** Whether the body ends after the request object (bytes that are not JSON do not count as an end). */
    private static boolean nothingFollows(JsonParser p) throws IOException {
        try {
            return p.nextToken() == null;
        } catch (JsonParseException e) {
            return false;
        }
    }

    /** An input as parsed: its tensor (empty data when sent as bytes) and the size of its raw bytes, or -1. */
    private record ParsedInput(TensorInput tensor, long binarySize) {
    }

    /** The request-level parameters used: {@code timeout} (microseconds, as Triton) and {@code binary_data_output}. */
    private record RequestParameters(Duration timeout, boolean binaryOutput) {
    }

    private static List<ParsedInput> inputs(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_ARRAY, "'inputs' must be an array");
        List<ParsedInput> inputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken(), JsonToken.START_OBJECT, "each input must be an object");
            String name = null;
            String datatype = null;
            long[] shape = null;
            FloatArray data = null;
            long binarySize = -1;
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
                    case "parameters" -> binarySize = binaryDataSize(p, value);
                    default -> p.skipChildren();
                }
            }
            if (name == null || datatype == null || shape == null || (data == null) == (binarySize < 0)) {
                throw ServingException.badRequest("each input needs 'name', 'shape', 'datatype' and either 'data' or"
                        + " (in Triton's binary format) parameters.binary_data_size");
            }
            if (data != null && data.nonNumeric && "FP32".equals(datatype)) {
                throw ServingException.badRequest("input '" + name + "': FP32 'data' must hold numbers only");
            }
            inputs.add(new ParsedInput(new TensorInput(name, datatype, shape, data != null ? data.toArray() : new float[0]),
                    binarySize));
        }
        return inputs;
    }

    /** An input's {@code parameters}: {@code binary_data_size} (bytes after the JSON), or -1 when absent. */
    private static long binaryDataSize(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_OBJECT, "input 'parameters' must be an object");
        long size = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String parameter = p.currentName();
            JsonToken v = p.nextToken();
            if (parameter.equals("binary_data_size")) {
                if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        || p.getLongValue() < 0) {
                    throw ServingException.badRequest("'binary_data_size' must be a non-negative whole number of bytes");
                }
                size = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return size;
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

    private static List<OutputRequest> outputs(JsonParser p, JsonToken token, java.util.Map<String, Boolean> binary)
            throws IOException {
        expect(token, JsonToken.START_ARRAY, "'outputs' must be an array");
        List<OutputRequest> outputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken(), JsonToken.START_OBJECT, "each output must be an object");
            String name = null;
            int classification = 0;
            Boolean binaryData = null;
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
                        } else if (parameter.equals("binary_data")) {
                            if (!v.isBoolean()) {
                                throw ServingException.badRequest("'binary_data' must be true or false");
                            }
                            binaryData = v == JsonToken.VALUE_TRUE;
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
            if (binaryData != null) {
                binary.put(name, binaryData);
            }
        }
        return outputs;
    }

    /** Reads request parameters: {@code timeout} (microseconds, as Triton) and {@code binary_data_output}. */
    private static RequestParameters requestParameters(JsonParser p, JsonToken token) throws IOException {
        expect(token, JsonToken.START_OBJECT, "'parameters' must be an object");
        Duration timeout = null;
        boolean binaryOutput = false;
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
            } else if (name.equals("binary_data_output")) {
                if (!v.isBoolean()) {
                    throw ServingException.badRequest("'binary_data_output' must be true or false");
                }
                binaryOutput = v == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return new RequestParameters(timeout, binaryOutput);
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

    /** Serializes an inference response, every output's values in JSON. */
    static byte[] write(InferResponse response) {
        return write(response, out -> null);
    }

    /**
     * Serializes an inference response; an output for which {@code binaryBytes} returns bytes carries
     * their {@code binary_data_size} in place of {@code data} (the caller sends those bytes after the
     * JSON, in output order), the others their values in JSON.
     */
    static byte[] write(InferResponse response, Function<TensorOutput, byte[]> binaryBytes) {
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
                byte[] bytes = binaryBytes.apply(out);
                if (bytes != null) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", bytes.length);
                    g.writeEndObject();
                } else {
                    writeData(g, out);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** Writes an output's values as its {@code data} field. */
    private static void writeData(JsonGenerator g, TensorOutput out) throws IOException {
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
