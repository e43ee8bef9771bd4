package dev.tailor.server.model;

/**
 * How ONNX Runtime sessions are created: device, GPU id and thread pools.
 *
 * @param device         requested device
 * @param gpuId          CUDA device id when CUDA is used
 * @param intraOpThreads threads one operator may use; 0 lets us pick (the core count)
 * @param interOpThreads threads for running independent operators in parallel; 1 suits these sequential CNNs
 */
public record RuntimeSettings(Device device, int gpuId, int intraOpThreads, int interOpThreads) {
    public RuntimeSettings {
        if (gpuId < 0 || intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("gpu-id and thread counts must be >= 0");
        }
    }

    /** Intra-op threads to actually use. */
    public int effectiveIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }

    /** Inter-op threads to actually use. */
    public int effectiveInterOpThreads() {
        return interOpThreads > 0 ? interOpThreads : 1;
    }
}
