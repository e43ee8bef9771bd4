package dev.tailor.server.image;

import dev.tailor.server.ServingException;
import dev.tailor.server.infer.Inference;
import dev.tailor.server.infer.Prediction;
import dev.tailor.server.model.ModelInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The image path shared by the REST and gRPC classify APIs: check the number of images and their
 * sizes (from their headers) before decoding any, decode and convert each to Fashion-MNIST form,
 * and classify all images of a request in one batcher submission (scaled as the metadata of the
 * model version that answers says).
 */
public final class ImageClassifier {
    private final Inference inference;
    private final ImageDecoder decoder;
    private final FashionMnistConverter converter = new FashionMnistConverter();

    /** Classifies through {@code inference}, decoding with {@code decoder}. */
    public ImageClassifier(Inference inference, ImageDecoder decoder) {
        this.inference = inference;
        this.decoder = decoder;
    }

    /**
     * One answer per image, in order, from the latest version of {@code model}.
     *
     * @param model   the model's name; it must take 28×28 images
     * @param images  encoded images
     * @param topK    classes per answer
     * @param timeout how long the caller waits; null for the default
     */
    public Result classify(String model, List<byte[]> images, int topK, Preprocess mode, Duration timeout) {
        ModelInfo info = inference.describe(model, "");
        if (!info.takesImages()) {
            throw ServingException.badRequest("model '" + info.name() + "' does not take 28x28 images");
        }
        if (images.isEmpty()) {
            throw ServingException.badRequest("no image in the request");
        }
        if (topK < 1 || topK > info.labels().size()) {
            throw ServingException.badRequest("top_k must be between 1 and " + info.labels().size() + ", got " + topK);
        }
        int capacity = inference.maxImagesPerRequest(model);
        if (images.size() > capacity) {
            // before anything is decoded: the batcher would refuse them after all the work
            throw ServingException.badRequest("the request carries " + images.size() + " images; model '"
                    + info.name() + "' accepts at most " + capacity + " per request (its queue-capacity)");
        }
        decoder.measure(images);
        int size = FashionMnistConverter.SIDE * FashionMnistConverter.SIDE;
        byte[] pixels = new byte[images.size() * size];
        List<Boolean> converted = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            FashionMnistConverter.Converted c;
            try {
                c = convert(images.get(i), mode);
            } catch (ServingException e) {
                throw images.size() == 1 ? e : new ServingException(e.kind(), "image " + (i + 1) + ": " + e.getMessage());
            }
            System.arraycopy(c.pixels(), 0, pixels, i * size, size);
            converted.add(c.photo());
        }
        Inference.Classification answer = inference.classify(model, pixels, images.size(), topK, timeout);
        return new Result(answer.model(), answer.predictions(), converted);
    }

    /**
     * Decodes one encoded image and converts it to the 28×28 form the models take, as {@code mode} says.
     *
     * @throws ServingException 415 for bytes that are no image we read, 400 for a broken or oversized one
     */
    public FashionMnistConverter.Converted convert(byte[] image, Preprocess mode) {
        return converter.convert(decoder.decode(image), mode);
    }

    /** Answers of one classify call, with the model version that gave them. */
    public record Result(ModelInfo model, List<List<Prediction>> predictions,
                         List<Boolean> converted) {
    }
}
