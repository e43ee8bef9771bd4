package dev.tailor.server.http;

import dev.tailor.server.ServingException;
import dev.tailor.server.infer.InferRequest;
import dev.tailor.server.infer.InferResponse;
import dev.tailor.server.infer.TensorInput;
import dev.tailor.server.infer.TensorOutput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Triton's binary tensor data extension for REST: a request whose JSON part is the first
 * {@code Inference-Header-Content-Length} bytes of the body, followed by the raw little-endian
 * bytes of each input that says {@code "parameters": {"binary_data_size": n}}, in input order; and
 * responses whose outputs asked for {@code binary_data} (or the request's {@code binary_data_output})
 * come back the same way: a JSON header with {@code binary_data_size} per such output, then the bytes.
 * BYTES outputs (classification strings) are each a 4-byte little-endian length and the UTF-8 bytes,
 * as Triton writes them. The same checks as the JSON path follow in {@code Inference}.
 */
final class BinaryTensorCodec {
    /** The header naming the size of the JSON part, in requests and responses. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    /** The media type of a body with a binary part. */
    static final String MEDIA_TYPE = "application/octet-stream";

    private BinaryTensorCodec() {
    }

    /** A parsed request and what its answer must look like. */
    record Decoded(InferRequest request, JsonInferCodec.Header header) {
    }

    /** An encoded response: the body, and the JSON header's length when the body has a binary part (else -1). */
    record Encoded(byte[] body, int headerLength) {
        boolean binary() {
            return headerLength >= 0;
        }
    }

    /**
     * Reads a request whose JSON header is the first {@code headerLengthValue} bytes of {@code body}
     * (the header's text as sent), the raw input bytes after it.
     */
    static Decoded read(InputStream body, String headerLengthValue, String model, String version) {
        long headerLength = headerLength(headerLengthValue);
        try {
            byte[] json = body.readNBytes((int) headerLength);
            if (json.length < headerLength) {
                throw ServingException.badRequest(HEADER_LENGTH + " is " + headerLength + " but the body holds only "
                        + json.length + " bytes");
            }
            JsonInferCodec.Header header = JsonInferCodec.readHeader(new ByteArrayInputStream(json), model, version);
            InferRequest request = header.request();
            List<TensorInput> inputs = new ArrayList<>(request.inputs().size());
            for (int i = 0; i < request.inputs().size(); i++) {
                TensorInput in = request.inputs().get(i);
                long size = header.binarySizes()[i];
                inputs.add(size < 0 ? in : new TensorInput(in.name(), in.datatype(), in.shape(), floats(body, in, size)));
            }
            if (body.read() != -1) {
                throw ServingException.badRequest("the body holds more bytes than the inputs' binary_data_size add up to");
            }
            return new Decoded(new InferRequest(request.model(), request.version(), request.id(), inputs,
                    request.outputs(), request.timeout()), header);
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    private static long headerLength(String value) {
        long length;
        try {
            length = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw ServingException.badRequest(HEADER_LENGTH + " must be a whole number of bytes, not '" + value + "'");
        }
        if (length < 2 || length > Integer.MAX_VALUE - 8) {
            throw ServingException.badRequest(HEADER_LENGTH + " must be the size in bytes of the JSON part, not " + length);
        }
        return length;
    }

    /** The next {@code size} bytes of {@code body} as the little-endian FP32 values of input {@code in}. */
    private static float[] floats(InputStream body, TensorInput in, long size) throws IOException {
        if (!"FP32".equals(in.datatype())) {
            throw ServingException.badRequest("input '" + in.name() + "' is " + in.datatype() + "; binary data is"
                    + " accepted for FP32 inputs only");
        }
        if (size % Float.BYTES != 0) {
            throw ServingException.badRequest("input '" + in.name() + "': binary_data_size " + size
                    + " is not a whole number of FP32 values (4 bytes each)");
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw ServingException.badRequest("input '" + in.name() + "': binary_data_size " + size + " is too large");
        }
        byte[] bytes = body.readNBytes((int) size); // the body is bounded by the payload limit before this
        if (bytes.length < size) {
            throw ServingException.badRequest("input '" + in.name() + "': binary_data_size is " + size
                    + " but only " + bytes.length + " bytes follow");
        }
        float[] values = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /**
     * Writes {@code response}: plain JSON when no output is to go out as bytes, else the JSON header
     * (outputs sent as bytes carry {@code binary_data_size} instead of {@code data}) and their bytes.
     */
    static Encoded write(InferResponse response, JsonInferCodec.Header header) {
        List<String> names = response.outputs().stream().map(TensorOutput::name).toList();
        if (!header.anyBinary(names)) {
            return new Encoded(JsonInferCodec.write(response), -1);
        }
        List<byte[]> parts = new ArrayList<>();
        byte[] json = JsonInferCodec.write(response, out -> {
            if (!header.binary(out.name())) {
                return null;
            }
            byte[] bytes = bytes(out);
            parts.add(bytes);
            return bytes;
        });
        ByteArrayOutputStream body = new ByteArrayOutputStream(json.length + parts.stream().mapToInt(p -> p.length).sum());
        body.writeBytes(json);
        parts.forEach(body::writeBytes);
        return new Encoded(body.toByteArray(), json.length);
    }

    /** An output's raw bytes: little-endian FP32 values, or length-prefixed strings for BYTES. */
    private static byte[] bytes(TensorOutput out) {
        if (out.strings() != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String s : out.strings()) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                bytes.writeBytes(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
                bytes.writeBytes(utf8);
            }
            return bytes.toByteArray();
        }
        ByteBuffer buffer = ByteBuffer.allocate(out.data().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(out.data());
        return buffer.array();
    }
}
