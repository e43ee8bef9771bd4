package dev.tailor.server;

import dev.tailor.exporter.OnnxExporter;
import dev.tailor.exporter.OnnxGraphWriter;
import dev.tailor.exporter.OnnxOpTable;
import onnx.Onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

/**
 * Model files for hot-swap tests: the bytes of two real exported models whose outputs differ
 * (cnn1 and ann, same inputs and outputs), a real model whose input has another shape, and
 * writing a file the way deployments do (a temporary name in the same folder, then an atomic
 * rename over the served file).
 */
final class ModelFiles {
    private ModelFiles() {
    }

    /** The exported cnn1 model. */
    static byte[] cnn1() {
        return read(Fixtures.models().resolve("cnn1.onnx"));
    }

    /** The exported ann model: same input and outputs as cnn1, other weights and architecture. */
    static byte[] ann() {
        return read(Fixtures.models().resolve("ann.onnx"));
    }

    /**
     * A small real ONNX model with the fixture models' output names but input {@code [N, 784]}
     * instead of {@code [N, 1, 28, 28]}: a softmax regression written with the exporter's graph writer.
     */
    static byte[] flatInput() {
        OnnxGraphWriter graph = new OnnxGraphWriter(OnnxOpTable.standard(), "flat_input");
        graph.input("input", 784);
        Random random = new Random(7);
        float[] weights = new float[784 * 10];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.01f;
        }
        graph.initializer("W", new long[]{784, 10}, weights);
        graph.initializer("B", new long[]{10}, new float[10]);
        graph.node("Gemm", "dense", new String[]{"input", "W", "B"}, "logits",
                Map.of("alpha", 1.0f, "beta", 1.0f, "transA", 0L, "transB", 0L));
        graph.node("Softmax", "softmax", new String[]{"logits"}, "probabilities", Map.of("axis", 1L));
        graph.output("probabilities", 10);
        graph.output("logits", 10);
        return Onnx.ModelProto.newBuilder().setIrVersion(OnnxExporter.IR_VERSION).setProducerName("tailor-tests")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxOpTable.OPSET))
                .setGraph(graph.build()).build().toByteArray();
    }

    /**
     * A model whose output is declared batch-first ({@code [N, 784]}) but holds two rows per item
     * (the input concatenated to itself, {@code [2N, 784]}): sliced row by row, part of one caller's
     * answer would go to another (Triton #7171).
     */
    static byte[] twoRowsPerItem() {
        Onnx.NodeProto twice = Onnx.NodeProto.newBuilder().setOpType("Concat").setName("twice").addInput("input")
                .addInput("input").addOutput("probabilities")
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("axis").setType(Onnx.AttributeProto.AttributeType.INT)
                        .setI(0))
                .build();
        return model(Onnx.GraphProto.newBuilder().setName("two_rows").addNode(twice)
                .addInput(tensor("input", "N", 784)).addOutput(tensor("probabilities", "N", 784)).build());
    }

    /** A model whose output's first dimension is a symbol other than the input's batch: declared not batch-major. */
    static byte[] otherFirstDimension() {
        Onnx.NodeProto copy = Onnx.NodeProto.newBuilder().setOpType("Relu").setName("copy").addInput("input")
                .addOutput("probabilities").build();
        return model(Onnx.GraphProto.newBuilder().setName("other_first").addNode(copy)
                .addInput(tensor("input", "N", 784)).addOutput(tensor("probabilities", "M", 784)).build());
    }

    private static Onnx.ValueInfoProto tensor(String name, String firstDimension, long width) {
        Onnx.TypeProto.Tensor tensor = Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                .setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(firstDimension))
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(width)))
                .build();
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(tensor))
                .build();
    }

    private static byte[] model(Onnx.GraphProto graph) {
        return Onnx.ModelProto.newBuilder().setIrVersion(OnnxExporter.IR_VERSION).setProducerName("tailor-tests")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxOpTable.OPSET))
                .setGraph(graph).build().toByteArray();
    }

    /** {@code length} bytes of noise, the same each run. */
    static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code bytes} under a temporary name beside {@code target}, then renames it over {@code target} atomically. */
    static void renameOver(Path target, byte[] bytes) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SHA-256 of {@code bytes}, hex, as the server shows it. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
