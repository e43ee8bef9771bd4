package dev.tailor.loadtest.data;

import com.google.protobuf.ByteString;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.loadtest.Scenario;
import dev.tailor.loadtest.Target;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;

/**
 * Request bodies built once, before the run, from the test images, so the load generator spends
 * its CPU on sending rather than on encoding: PNG files for the classify API, OIP JSON bodies,
 * Triton binary-tensor bodies and gRPC {@code ModelInferRequest}s. Only the kinds a run uses are
 * built. Every request asks for the model's one chosen output.
 */
public final class Payloads {
    private final byte[][] png;
    private final byte[][] json;
    private final byte[][] binary;
    private final ModelInferRequest[] grpc;
    private final int binaryHeaderLength;

    private Payloads(byte[][] png, byte[][] json, byte[][] binary, int binaryHeaderLength, ModelInferRequest[] grpc) {
        this.png = png;
        this.json = json;
        this.binary = binary;
        this.binaryHeaderLength = binaryHeaderLength;
        this.grpc = grpc;
    }

    /** Builds the bodies {@code scenario} needs for every image, addressed to {@code target}'s model. */
    public static Payloads build(TestImages images, Target target, java.util.Collection<Scenario> scenarios) {
        int n = images.count();
        byte[][] png = scenarios.contains(Scenario.CLASSIFY) ? new byte[n][] : null;
        byte[][] json = scenarios.contains(Scenario.JSON) ? new byte[n][] : null;
        byte[][] binary = scenarios.contains(Scenario.BINARY) ? new byte[n][] : null;
        ModelInferRequest[] grpc = scenarios.contains(Scenario.GRPC) ? new ModelInferRequest[n] : null;
        byte[] binaryHeader = binaryHeader(target, images);
        for (int i = 0; i < n; i++) {
            if (png != null) {
                png[i] = png(images, i);
            }
            float[] tensor = images.normalized(i);
            if (json != null) {
                json[i] = json(target, images, tensor);
            }
            if (binary != null) {
                binary[i] = concat(binaryHeader, littleEndian(tensor));
            }
            if (grpc != null) {
                grpc[i] = grpc(target, images, tensor);
            }
        }
        return new Payloads(png, json, binary, binaryHeader.length, grpc);
    }

    /** How many images the bodies cycle through. */
    public int count() {
        return png != null ? png.length : json != null ? json.length : binary != null ? binary.length : grpc.length;
    }

    /** Image {@code i} as a PNG file. */
    public byte[] png(int i) {
        return png[i];
    }

    /** The OIP JSON body for image {@code i}. */
    public byte[] json(int i) {
        return json[i];
    }

    /** The binary-tensor body for image {@code i}: a JSON header of {@link #binaryHeaderLength()} bytes, then 784 floats. */
    public byte[] binary(int i) {
        return binary[i];
    }

    /** The value of {@code Inference-Header-Content-Length}: the same for every image. */
    public int binaryHeaderLength() {
        return binaryHeaderLength;
    }

    /** The gRPC request for image {@code i}. */
    public ModelInferRequest grpc(int i) {
        return grpc[i];
    }

    /** Test image {@code i} as an 8-bit grayscale PNG, as a shop's client would upload it. */
    public static byte[] png(TestImages images, int i) {
        BufferedImage image = new BufferedImage(images.cols(), images.rows(), BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, images.cols(), images.rows(), images.pixels(i));
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String shape(TestImages images) {
        return "[1,1," + images.rows() + "," + images.cols() + "]";
    }

    private static byte[] json(Target target, TestImages images, float[] tensor) {
        StringBuilder b = new StringBuilder(tensor.length * 12 + 200);
        b.append("{\"inputs\":[{\"name\":\"").append(target.input()).append("\",\"shape\":").append(shape(images))
                .append(",\"datatype\":\"FP32\",\"data\":[");
        for (int p = 0; p < tensor.length; p++) {
            if (p > 0) {
                b.append(',');
            }
            b.append(tensor[p]);
        }
        b.append("]}],\"outputs\":[{\"name\":\"").append(target.output()).append("\"}]}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Triton's form: the input's size in {@code binary_data_size}, and the output asked for as binary too. */
    private static byte[] binaryHeader(Target target, TestImages images) {
        int bytes = images.rows() * images.cols() * Float.BYTES;
        return ("{\"inputs\":[{\"name\":\"" + target.input() + "\",\"shape\":" + shape(images)
                + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + bytes + "}}],"
                + "\"outputs\":[{\"name\":\"" + target.output() + "\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static ModelInferRequest grpc(Target target, TestImages images, float[] tensor) {
        return ModelInferRequest.newBuilder()
                .setModelName(target.model())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(target.input()).setDatatype("FP32")
                        .addShape(1).addShape(1).addShape(images.rows()).addShape(images.cols()))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(target.output()))
                .addRawInputContents(ByteString.copyFrom(littleEndian(tensor)))
                .build();
    }

    private static byte[] littleEndian(float[] tensor) {
        ByteBuffer buffer = ByteBuffer.allocate(tensor.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(tensor);
        return buffer.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
