package dev.tailor.server.http;

import dev.tailor.server.ErrorKind;
import dev.tailor.server.ServingException;
import dev.tailor.server.infer.InferRequest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestParsingTest {
    @Test
    void nestedAndFlatDataReadRowMajor() {
        InferRequest nested = read("{\"id\":\"a\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,2],\"datatype\":\"FP32\","
                + "\"data\":[[1,2],[3.5,4]]}],\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":3}}],"
                + "\"parameters\":{\"timeout\":2500}}");
        assertEquals("a", nested.id());
        assertArrayEquals(new float[]{1, 2, 3.5f, 4}, nested.inputs().getFirst().data());
        assertArrayEquals(new long[]{2, 2}, nested.inputs().getFirst().shape());
        assertEquals(3, nested.outputs().getFirst().classification());
        assertEquals(Duration.ofNanos(2_500_000), nested.timeout());
        InferRequest flat = read("{\"inputs\":[{\"data\":[1,2,3.5,4],\"datatype\":\"FP32\",\"shape\":[2,2],\"name\":\"input\"}]}");
        assertArrayEquals(nested.inputs().getFirst().data(), flat.inputs().getFirst().data());
    }

    @Test
    void malformedJsonIsABadRequest() {
        assertBad("{\"inputs\": [", "malformed JSON");
        assertBad("[1,2]", "JSON object");
        assertBad("{\"inputs\": []}", "no 'inputs'");
        assertBad("{\"inputs\":[{\"name\":\"input\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[true]}]}", "numbers only");
        assertBad("{\"inputs\":[{\"name\":\"input\",\"shape\":[\"x\"],\"datatype\":\"FP32\",\"data\":[1]}]}", "'shape'");
        assertBad("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"data\":[1]}]}", "needs 'name', 'shape'");
    }

    @Test
    void multipartPartsKeepTheirBytesAndNames() {
        byte[] binary = {0, 13, 10, 45, 45, (byte) 0xFF};
        String boundary = "XyZ";
        byte[] body = concat(("--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), binary,
                "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n3\r\n--XyZ--\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
        List<Multipart.Part> parts = Multipart.parse(body, Multipart.boundary("multipart/form-data; boundary=\"" + boundary + "\""));
        assertEquals(2, parts.size());
        assertEquals("image", parts.get(0).name());
        assertArrayEquals(binary, parts.get(0).content());
        assertEquals("3", new String(parts.get(1).content(), StandardCharsets.ISO_8859_1));
        ServingException e = assertThrows(ServingException.class, () -> Multipart.parse("junk".getBytes(), "XyZ"));
        assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    }

    @Test
    void multipartBoundariesFollowRfc2046() {
        String seventy = "a".repeat(70);
        assertEquals(seventy, Multipart.boundary("multipart/form-data; boundary=" + seventy));
        assertEquals("with space", Multipart.boundary("multipart/form-data; boundary=\"with space\""));
        for (String bad : List.of("a".repeat(71), "a{b}", "ends with space ", "")) {
            ServingException e = assertThrows(ServingException.class,
                    () -> Multipart.boundary("multipart/form-data; boundary=\"" + bad + "\""), bad);
            assertEquals(ErrorKind.BAD_REQUEST, e.kind());
        }
    }

    @Test
    void partsFullOfAlmostDelimitersAreReadExactly() {
        // content that keeps starting the delimiter and breaking off: a naive search restarts on each one
        byte[] tricky = "\r\n--XyQ\r\n--X\r\n-\r\n--Xy".repeat(10_000).getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = concat(("--XyZ\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), tricky, "\r\n--XyZ--\r\n".getBytes(StandardCharsets.ISO_8859_1));
        List<Multipart.Part> parts = Multipart.parse(body, "XyZ");
        assertEquals(1, parts.size());
        assertArrayEquals(tricky, parts.getFirst().content());
    }

    private static InferRequest read(String json) {
        return JsonInferCodec.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "m", "");
    }

    private static void assertBad(String json, String part) {
        ServingException e = assertThrows(ServingException.class, () -> read(json));
        assertEquals(ErrorKind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
