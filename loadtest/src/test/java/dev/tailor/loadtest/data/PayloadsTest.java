package dev.tailor.loadtest.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.loadtest.LoadSettings;
import dev.tailor.loadtest.Scenario;
import dev.tailor.loadtest.Target;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bodies are the real test images, in each protocol's form, and nothing else. */
class PayloadsTest {
    private static TestImages images;
    private static Payloads payloads;
    private static final Target TARGET = Target.of(URI.create("http://127.0.0.1:8080"), null, "cnn4b")
            .withTensors("input", "probabilities");

    @BeforeAll
    static void build() throws Exception {
        images = TestImages.read(Path.of(LoadSettings.Defaults.data()), 20);
        payloads = Payloads.build(images, TARGET, List.of(Scenario.values()));
    }

    @Test
    void readsTheFirstTestImagesOfTheIdxFile() {
        assertEquals(20, images.count());
        assertEquals(28, images.rows());
        assertEquals(28, images.cols());
        // real images: not blank, and not all alike
        assertTrue(images.normalized(0)[28 * 14 + 14] > 0 || images.normalized(0)[28 * 10 + 14] > 0);
        assertTrue(!Arrays.equals(images.pixels(0), images.pixels(1)));
    }

    @Test
    void pngFilesDecodeToTheImagesPixels() throws Exception {
        for (int i = 0; i < images.count(); i++) {
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(payloads.png(i)));
            byte[] decoded = new byte[28 * 28];
            png.getRaster().getDataElements(0, 0, 28, 28, decoded);
            assertArrayEquals(images.pixels(i), decoded, "image " + i);
        }
    }

    @Test
    void jsonBodiesCarryTheNormalizedImage() throws Exception {
        JsonNode body = new ObjectMapper().readTree(payloads.json(3));
        JsonNode input = body.path("inputs").get(0);
        assertEquals("input", input.path("name").asText());
        assertEquals("[1,1,28,28]", input.path("shape").toString());
        assertEquals(784, input.path("data").size());
        float[] expected = images.normalized(3);
        for (int p = 0; p < 784; p++) {
            assertEquals(expected[p], (float) input.path("data").get(p).asDouble());
        }
        assertEquals("probabilities", body.path("outputs").get(0).path("name").asText());
    }

    @Test
    void binaryBodiesAreTritonsJsonHeaderThenLittleEndianFloats() throws Exception {
        byte[] body = payloads.binary(5);
        int header = payloads.binaryHeaderLength();
        assertEquals(header + 784 * 4, body.length);
        JsonNode json = new ObjectMapper().readTree(new String(body, 0, header, StandardCharsets.UTF_8));
        assertEquals(3136, json.path("inputs").get(0).path("parameters").path("binary_data_size").asInt());
        assertTrue(json.path("inputs").get(0).path("data").isMissingNode());
        assertTrue(json.path("outputs").get(0).path("parameters").path("binary_data").asBoolean());
        float[] floats = new float[784];
        ByteBuffer.wrap(body, header, 784 * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
        assertArrayEquals(images.normalized(5), floats);
    }

    @Test
    void grpcRequestsCarryTheImageAsRawInputContents() {
        ModelInferRequest request = payloads.grpc(7);
        assertEquals("cnn4b", request.getModelName());
        assertEquals(List.of(1L, 1L, 28L, 28L), request.getInputs(0).getShapeList());
        float[] floats = new float[784];
        request.getRawInputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
        assertArrayEquals(images.normalized(7), floats);
        assertEquals("probabilities", request.getOutputs(0).getName());
    }
}
