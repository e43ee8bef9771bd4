package dev.tailor.exporter;

import dev.tailor.trainer.model.Layer;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Node;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How each kind of {@link Layer} becomes ONNX nodes, declared as a table (layer kind → mapping).
 * A layer kind without an entry fails the export with its name and the node's; nothing is ever
 * skipped silently. Dropout maps to nothing on purpose: exported models are inference graphs.
 */
public final class LayerMappings {

    /** Emits the ONNX nodes of one model node and returns the name of the value it produces. */
    @FunctionalInterface
    public interface Mapping {
        String emit(Node node, String[] inputs, Emitter out);
    }

    /** What a mapping may do: add nodes, read the node's input shape, add (permuted) weights. */
    public interface Emitter {
        void node(String type, String name, String[] inputs, String output, Map<String, Object> attributes);

        int[] shapeOf(String value);

        /** Adds the parameter {@code paramName} as an initializer, conv kernels permuted to OIHW; returns its name. */
        String weight(String paramName);
    }

    private final Map<Class<? extends Layer>, Mapping> table;

    private LayerMappings(Map<Class<? extends Layer>, Mapping> table) {
        this.table = Map.copyOf(table);
    }

    /** Mappings for every layer kind the trainer defines. */
    public static LayerMappings standard() {
        Map<Class<? extends Layer>, Mapping> m = new LinkedHashMap<>();
        m.put(Layer.Conv.class, (node, in, out) -> {
            Layer.Conv c = (Layer.Conv) node.layer();
            long pad = c.same() ? c.kernel() / 2 : 0;
            out.node("Conv", node.name(), new String[]{in[0], out.weight(node.name() + ModelDef.KERNEL),
                    out.weight(node.name() + ModelDef.BIAS)}, node.name(), Map.of(
                    "kernel_shape", new long[]{c.kernel(), c.kernel()}, "strides", new long[]{c.stride(), c.stride()},
                    "pads", new long[]{pad, pad, pad, pad}));
            return node.name();
        });
        m.put(Layer.BatchNorm.class, (node, in, out) -> {
            Layer.BatchNorm b = (Layer.BatchNorm) node.layer();
            String n = node.name();
            out.node("BatchNormalization", n, new String[]{in[0], out.weight(n + ModelDef.GAMMA), out.weight(n + ModelDef.BETA),
                    out.weight(n + ModelDef.MEAN), out.weight(n + ModelDef.VAR)}, n, Map.of("epsilon", b.epsilon()));
            return n;
        });
        m.put(Layer.Relu.class, (node, in, out) -> single(out, "Relu", node, in[0], Map.of()));
        m.put(Layer.MaxPool.class, (node, in, out) -> {
            Layer.MaxPool p = (Layer.MaxPool) node.layer();
            return single(out, "MaxPool", node, in[0], Map.of("kernel_shape", new long[]{p.size(), p.size()},
                    "strides", new long[]{p.stride(), p.stride()}));
        });
        m.put(Layer.Dropout.class, (node, in, out) -> in[0]);
        m.put(Layer.Flatten.class, (node, in, out) -> single(out, "Flatten", node, in[0], Map.of("axis", 1)));
        m.put(Layer.Dense.class, (node, in, out) -> {
            out.node("Gemm", node.name(), new String[]{in[0], out.weight(node.name() + ModelDef.KERNEL),
                    out.weight(node.name() + ModelDef.BIAS)}, node.name(), Map.of());
            return node.name();
        });
        m.put(Layer.Add.class, (node, in, out) -> {
            out.node("Add", node.name(), in, node.name(), Map.of());
            return node.name();
        });
        m.put(Layer.GlobalAvgPool.class, (node, in, out) -> {
            String pooled = node.name() + "_4d";
            out.node("GlobalAveragePool", pooled, new String[]{in[0]}, pooled, Map.of());
            out.node("Flatten", node.name(), new String[]{pooled}, node.name(), Map.of("axis", 1));
            return node.name();
        });
        m.put(Layer.Softmax.class, (node, in, out) -> single(out, "Softmax", node, in[0], Map.of("axis", 1)));
        return new LayerMappings(m);
    }

    /** A copy without the mapping for {@code kind} (tests use it to prove unknown layers fail loudly). */
    public LayerMappings without(Class<? extends Layer> kind) {
        Map<Class<? extends Layer>, Mapping> m = new LinkedHashMap<>(table);
        m.remove(kind);
        return new LayerMappings(m);
    }

    /** A copy with {@code kind} mapped by {@code mapping}. */
    public LayerMappings with(Class<? extends Layer> kind, Mapping mapping) {
        Map<Class<? extends Layer>, Mapping> m = new LinkedHashMap<>(table);
        m.put(kind, mapping);
        return new LayerMappings(m);
    }

    /** The mapping for {@code node}'s layer; none is an error naming the layer kind and the node. */
    public Mapping mappingFor(Node node) {
        Mapping mapping = table.get(node.layer().getClass());
        if (mapping == null) {
            throw new UnsupportedOperationException("no ONNX mapping for op '" + node.layer().getClass().getSimpleName()
                    + "' at node '" + node.name() + "'; the export stops rather than drop it");
        }
        return mapping;
    }

    private static String single(Emitter out, String type, Node node, String input, Map<String, Object> attrs) {
        out.node(type, node.name(), new String[]{input}, node.name(), attrs);
        return node.name();
    }
}
