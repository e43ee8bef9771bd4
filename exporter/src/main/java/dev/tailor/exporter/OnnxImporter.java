package dev.tailor.exporter;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.trainer.TrainedModel;
import dev.tailor.trainer.model.ArchitectureOptions;
import dev.tailor.trainer.model.Architectures;
import dev.tailor.trainer.model.ModelDef;
import dev.tailor.trainer.model.Param;
import dev.tailor.trainer.model.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads an ONNX file this exporter wrote back into a {@link TrainedModel}, the inverse of
 * {@link OnnxExporter}: initializers are the model's parameters and running statistics by name,
 * conv kernels permuted back from ONNX's OIHW to SameDiff's [kH,kW,in,out]. This is how training
 * continues from a shipped model ({@code trainer train --init-from}) when its run folder is gone.
 * Files from other producers, or whose parameters do not match the named architecture, are refused.
 */
public final class OnnxImporter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The model in {@code onnxFile}. */
    public TrainedModel read(Path onnxFile) {
        try {
            return read(Files.readAllBytes(onnxFile), onnxFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + onnxFile, e);
        }
    }

    /** The model in {@code onnx}, the bytes of {@code onnxFile} (named in errors and in the model's config). */
    public TrainedModel read(byte[] onnx, Path onnxFile) {
        Onnx.ModelProto proto;
        try {
            proto = Onnx.ModelProto.parseFrom(onnx);
        } catch (IOException e) {
            throw new IllegalArgumentException(onnxFile + " is not an ONNX model: " + e.getMessage());
        }
        Map<String, String> meta = new HashMap<>();
        proto.getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
        if (!ModelMetadata.PRODUCER.equals(proto.getProducerName()) || !meta.containsKey("architecture")) {
            throw new IllegalArgumentException(onnxFile + " was not written by " + ModelMetadata.PRODUCER
                    + " (producer '" + proto.getProducerName() + "'); only Tailor's own ONNX files can be imported");
        }
        Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        proto.getGraph().getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        String architecture = meta.get("architecture");
        ArchitectureOptions options = matchingOptions(architecture, initializers, onnxFile);
        ModelDef def = Architectures.byName(architecture).define(options);
        Weights weights = new Weights();
        for (Param p : def.params()) {
            weights.put(p.name(), toArray(p, initializers.get(p.name())));
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("importedFrom", onnxFile.toAbsolutePath().normalize().toString());
        config.put("modelVersion", meta.getOrDefault("model_version", ""));
        config.put("sourceConfigDigest", meta.getOrDefault("config_digest", ""));
        TrainedModel.Info info = new TrainedModel.Info(architecture, options, labels(meta, onnxFile), def.inputShape(),
                config, meta.getOrDefault("config_digest", TrainedModel.digest(config)),
                number(meta, "test_accuracy"), number(meta, "test_macro_f1"), (int) number(meta, "test_images"),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), version(meta));
        return new TrainedModel(info, weights);
    }

    /** The architecture options whose every parameter name and shape the file holds. */
    private static ArchitectureOptions matchingOptions(String architecture, Map<String, Onnx.TensorProto> initializers,
                                                       Path onnxFile) {
        for (ArchitectureOptions options : List.of(ArchitectureOptions.defaults(), new ArchitectureOptions(true))) {
            ModelDef def = Architectures.byName(architecture).define(options);
            if (def.params().stream().allMatch(p -> initializers.containsKey(p.name())
                    && Arrays.equals(ParamLayout.onnxShape(p),
                    initializers.get(p.name()).getDimsList().stream().mapToLong(Long::longValue).toArray()))) {
                return options;
            }
        }
        throw new IllegalArgumentException(onnxFile + " says it holds a " + architecture
                + ", but its weights do not match that architecture's parameters");
    }

    private static INDArray toArray(Param p, Onnx.TensorProto t) {
        if (t.getDataType() != Onnx.TensorProto.DataType.FLOAT.getNumber()) {
            throw new IllegalArgumentException("initializer " + p.name() + " is not float32");
        }
        float[] values;
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            values = new float[raw.remaining() / Float.BYTES];
            raw.asFloatBuffer().get(values);
        } else {
            values = new float[t.getFloatDataCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = t.getFloatData(i);
            }
        }
        return ParamLayout.fromOnnx(p, Nd4j.create(values, ParamLayout.onnxShape(p), 'c'));
    }

    private static List<String> labels(Map<String, String> meta, Path onnxFile) {
        try {
            List<String> labels = JSON.readValue(meta.getOrDefault("labels", "[]"), new TypeReference<List<String>>() { });
            if (labels.isEmpty()) {
                throw new IllegalArgumentException(onnxFile + " has no 'labels' metadata");
            }
            return labels;
        } catch (IOException e) {
            throw new IllegalArgumentException(onnxFile + " has unreadable labels metadata: " + e.getMessage());
        }
    }

    private static double number(Map<String, String> meta, String key) {
        try {
            return Double.parseDouble(meta.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int version(Map<String, String> meta) {
        try {
            return Integer.parseInt(meta.getOrDefault("model_version", "1"));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
