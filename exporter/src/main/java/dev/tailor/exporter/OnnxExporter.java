package dev.tailor.exporter;

import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Node;
import dev.tailor.trainer.model.Param;
import dev.tailor.trainer.model.Weights;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a model definition and its weights as an ONNX model (opset 13, inference form: batch
 * norm on running statistics, no dropout), walking the same {@link ModelDef} the SameDiff graphs
 * are built from. Graph input {@code input} [N,1,28,28]; outputs {@code probabilities} and
 * {@code logits} [N,10].
 */
public final class OnnxExporter {
    /** ONNX IR version matching opset 13. */
    public static final int IR_VERSION = 7;
    private final LayerMappings mappings;
    private final OnnxOpTable ops;

    public OnnxExporter(LayerMappings mappings, OnnxOpTable ops) {
        this.mappings = mappings;
        this.ops = ops;
    }

    /** The standard mappings and op table. */
    public static OnnxExporter standard() {
        return new OnnxExporter(LayerMappings.standard(), OnnxOpTable.standard());
    }

    /** The serialized ModelProto. */
    public byte[] export(ModelDef def, Weights weights, ModelMetadata metadata) {
        weights.checkMatches(def);
        OnnxGraphWriter writer = new OnnxGraphWriter(ops, "tailor_" + def.architecture());
        writer.input(def.input(), def.inputShape());
        Map<String, Param> params = new HashMap<>();
        def.params().forEach(p -> params.put(p.name(), p));
        Map<String, String> produced = new HashMap<>(); // model node → ONNX value name (dropout aliases its input)
        produced.put(def.input(), def.input());
        Set<String> written = new HashSet<>();
        LayerMappings.Emitter emitter = new LayerMappings.Emitter() {
            @Override
            public void node(String type, String name, String[] inputs, String output, Map<String, Object> attributes) {
                writer.node(type, name, inputs, output, attributes);
            }

            @Override
            public int[] shapeOf(String value) {
                return def.shapeOf(value);
            }

            @Override
            public String weight(String paramName) {
                if (written.add(paramName)) {
                    Param p = params.get(paramName);
                    INDArray a = ParamLayout.toOnnx(p, weights.get(paramName));
                    writer.initializer(paramName, a.shape(), a.data().asFloat());
                }
                return paramName;
            }
        };
        for (Node node : def.nodes()) {
            String[] inputs = node.inputs().stream().map(produced::get).toArray(String[]::new);
            produced.put(node.name(), mappings.mappingFor(node).emit(node, inputs, emitter));
        }
        int classes = def.shapeOf(def.logits())[0];
        writer.output(produced.get(def.probabilities()), classes);
        writer.output(produced.get(def.logits()), classes);
        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(ModelMetadata.PRODUCER)
                .setProducerVersion(ModelMetadata.PRODUCER_VERSION)
                .setDomain("dev.tailor")
                .setModelVersion(parseVersion(metadata.modelVersion()))
                .setDocString(metadata.docString())
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxOpTable.OPSET))
                .setGraph(writer.build());
        metadata.properties().forEach((k, v) -> model.addMetadataProps(
                Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build().toByteArray();
    }

    private static long parseVersion(String version) {
        try {
            return Long.parseLong(version);
        } catch (NumberFormatException e) {
            return 0; // free-form versions live in metadata_props only
        }
    }
}
