package dev.tailor.loadtest.grpc;

import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceStub;
import dev.tailor.loadtest.Target;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A few gRPC connections to the target, shared by all virtual users. Calls are spread over
 * {@link #CONNECTIONS} of them (by user) as the HTTP scenarios spread theirs over a pool, so that
 * no single connection's handler, on either side, caps the rate. Callbacks run on the transport's
 * threads: what they do (record a result, hand the user back to Gatling) never blocks.
 */
public final class GrpcChannels implements AutoCloseable {
    /** Connections per run. */
    public static final int CONNECTIONS = 4;

    private final List<ManagedChannel> channels;
    private final List<GRPCInferenceServiceStub> stubs;

    private GrpcChannels(List<ManagedChannel> channels) {
        this.channels = channels;
        this.stubs = channels.stream().map(GRPCInferenceServiceGrpc::newStub).toList();
    }

    /** Opens (lazily, on first call) {@link #CONNECTIONS} channels to {@code target}'s host and gRPC port. */
    public static GrpcChannels open(Target target) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forAddress(target.host(), target.grpcPort())
                    .directExecutor()
                    .maxInboundMessageSize(16 * 1024 * 1024);
            channels.add((target.tls() ? builder.useTransportSecurity() : builder.usePlaintext()).build());
        }
        return new GrpcChannels(List.copyOf(channels));
    }

    /** The async stub for virtual user {@code userId}. */
    public GRPCInferenceServiceStub stub(long userId) {
        return stubs.get((int) Math.floorMod(userId, (long) stubs.size()));
    }

    /** One channel, for checks before the run. */
    public ManagedChannel any() {
        return channels.get(0);
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels) {
            channel.shutdown();
        }
        for (ManagedChannel channel : channels) {
            try {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
