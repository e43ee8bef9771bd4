package dev.tailor.exporter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Accumulates an ONNX graph — float inputs/outputs with a dynamic batch, float initializers and
 * nodes checked against an {@link OnnxOpTable} — using the ONNX protobuf classes that ship in
 * nd4j-api (no second protobuf runtime on the classpath).
 */
public final class OnnxGraphWriter {
    /** Symbolic name of the batch dimension. */
    public static final String BATCH_DIM = "N";
    private final OnnxOpTable table;
    private final Onnx.GraphProto.Builder graph;

    public OnnxGraphWriter(OnnxOpTable table, String graphName) {
        this.table = table;
        this.graph = Onnx.GraphProto.newBuilder().setName(graphName);
    }

    /** Declares a float graph input whose first dimension is the dynamic batch. */
    public void input(String name, int... dims) {
        graph.addInput(valueInfo(name, dims));
    }

    /** Declares a float graph output whose first dimension is the dynamic batch. */
    public void output(String name, int... dims) {
        graph.addOutput(valueInfo(name, dims));
    }

    /** Adds a float initializer (weights), row-major. */
    public void initializer(String name, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
    }

    /** Adds a node after checking it against the op table; attribute values: Integer/Long, long[], Float/Double. */
    public void node(String type, String name, String[] inputs, String output, Map<String, Object> attributes) {
        table.check(type, name, inputs.length, attributes);
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(type).setName(name).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (Map.Entry<String, Object> a : new TreeMap<>(attributes).entrySet()) {
            Onnx.AttributeProto.Builder attr = Onnx.AttributeProto.newBuilder().setName(a.getKey());
            switch (a.getValue()) {
                case Integer i -> attr.setType(Onnx.AttributeProto.AttributeType.INT).setI(i);
                case Long l -> attr.setType(Onnx.AttributeProto.AttributeType.INT).setI(l);
                case long[] ls -> {
                    attr.setType(Onnx.AttributeProto.AttributeType.INTS);
                    for (long l : ls) {
                        attr.addInts(l);
                    }
                }
                case Float f -> attr.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(f);
                case Double d -> attr.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
                default -> throw new IllegalArgumentException("unsupported attribute value " + a.getValue());
            }
            n.addAttribute(attr);
        }
        graph.addNode(n);
    }

    /** The graph built so far. */
    public Onnx.GraphProto build() {
        return graph.build();
    }

    private static Onnx.ValueInfoProto valueInfo(String name, int... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH_DIM));
        for (int d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape))).build();
    }
}
