package dev.tailor.server.grpc.transport;

import dev.tailor.server.InFlightLimit;
import dev.tailor.server.ServingException;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2FrameTypes;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2RstStream;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.http.http2.Http2StreamWriter;
import io.helidon.http.http2.Http2WindowUpdate;
import io.helidon.http.http2.StreamFlowControl;
import io.helidon.webserver.http2.spi.Http2SubProtocolSelector;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One gRPC call on one HTTP/2 stream: reads its request messages within the size limit, runs the
 * method's handler (with the interceptors) on the stream's thread, and writes the response. Every
 * refusal is a status in the trailers, sent at once; after any answer the call keeps reading and
 * dropping the client's DATA until the client ends or resets the stream, because Helidon's stream
 * only frees its flow-control window and inbound queue while this handler reads (a handler that
 * stops reading early lets the queue fill and stalls the whole connection).
 *
 * <p>Listener callbacks are serialized: the stream thread makes them holding a lock, and a reset
 * (which arrives on the connection thread) delivers {@code onCancel} only when it gets the lock, or
 * leaves it to the stream thread, which checks after each callback.
 */
final class GrpcCall<Q, R> implements Http2SubProtocolSelector.SubProtocolHandler {
    private final GrpcTransport transport;
    private final ServerMethodDefinition<Q, R> method;
    private final Http2Headers requestHeaders;
    private final Http2StreamWriter writer;
    private final int streamId;
    private final StreamFlowControl flowControl;
    private final Attributes attributes;
    private final MessageReader reader;
    private final ReentrantLock listenerLock = new ReentrantLock();
    private final ArrayDeque<Q> pending = new ArrayDeque<>();
    private final CountDownLatch answeredOrReset = new CountDownLatch(1);
    private final Object writeLock = new Object();

    private ServerCall.Listener<Q> listener;
    private InFlightLimit.Permit permit;
    private int demand;
    private boolean halfClosePending;
    private boolean cancelDelivered;
    private boolean completeDelivered;
    private boolean headersSent; // guarded by writeLock
    private volatile boolean answered;
    private volatile boolean reset;
    private volatile boolean remoteEnded;

    GrpcCall(GrpcTransport transport, ServerMethodDefinition<Q, R> method, Http2Headers requestHeaders,
             Http2StreamWriter writer, int streamId, StreamFlowControl flowControl, Attributes attributes,
             int maxMessageBytes) {
        // method is null for a path no service has: the call is refused with UNIMPLEMENTED
        this.transport = transport;
        this.method = method;
        this.requestHeaders = requestHeaders;
        this.writer = writer;
        this.streamId = streamId;
        this.flowControl = flowControl;
        this.attributes = attributes;
        this.reader = new MessageReader(maxMessageBytes);
    }

    @Override
    public void init() {
        if (method == null) {
            refuse(Status.UNIMPLEMENTED.withDescription("unknown method " + requestHeaders.path()));
            return;
        }
        String encoding = GrpcHeaders.encoding(requestHeaders.httpHeaders());
        if (!GrpcHeaders.IDENTITY.equals(encoding)) {
            refuse(Status.UNIMPLEMENTED.withDescription("message encoding '" + encoding + "' is not supported;"
                    + " send uncompressed messages (grpc-encoding: identity)"));
            return;
        }
        Metadata metadata;
        try {
            metadata = GrpcHeaders.metadata(requestHeaders);
            permit = transport.admit(method.getMethodDescriptor().getFullMethodName());
        } catch (GrpcHeaders.Malformed e) {
            refuse(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            return;
        } catch (ServingException e) {
            refuse(Status.fromCode(e.kind().grpcCode()).withDescription(e.getMessage()));
            return;
        }
        listenerLock.lock();
        try {
            listener = method.getServerCallHandler().startCall(new Call(), metadata);
            listener.onReady();
        } catch (RuntimeException e) {
            failed(e);
        } finally {
            listenerLock.unlock();
        }
        afterCallbacks();
    }

    @Override
    public Http2StreamState streamState() {
        if (!remoteEnded) {
            return Http2StreamState.OPEN; // keep reading, also after an answer: see the class comment
        }
        return answered || reset ? Http2StreamState.CLOSED : Http2StreamState.HALF_CLOSED_REMOTE;
    }

    @Override
    public void rstStream(Http2RstStream rstStream) {
        // the client gave up: nothing more is written, and no frame of this stream will come
        reset = true;
        remoteEnded = true;
        releasePermit();
        answeredOrReset.countDown();
        afterCallbacks();
    }

    @Override
    public void windowUpdate(Http2WindowUpdate update) {
        // outbound flow control is Helidon's stream writer's
    }

    @Override
    public void data(Http2FrameHeader header, BufferData data) {
        boolean end = header.flags(Http2FrameTypes.DATA).endOfStream();
        if (!answered && !reset) {
            try {
                reader.read(data, this::received);
                if (end) {
                    reader.checkEnd();
                }
            } catch (MessageReader.Refused e) {
                refuse(e.status());
            }
        }
        if (!end) {
            return;
        }
        if (!answered && !reset) {
            listenerLock.lock();
            try {
                halfClosePending = true;
                deliver();
            } catch (RuntimeException e) {
                failed(e);
            } finally {
                listenerLock.unlock();
            }
            afterCallbacks();
        }
        try {
            answeredOrReset.await(); // a handler that answers from another thread: no more frames will come
        } catch (InterruptedException e) {
            reset = true; // the connection is going away: nothing more is written
            Thread.currentThread().interrupt();
        }
        remoteEnded = true;
        afterCallbacks();
    }

    private void received(byte[] bytes) {
        Q message;
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            message = method.getMethodDescriptor().parseRequest(in);
        } catch (RuntimeException | IOException e) {
            refuse(Status.INVALID_ARGUMENT.withDescription("the request is not a valid "
                    + messageName(method.getMethodDescriptor()) + " message"));
            return;
        }
        listenerLock.lock();
        try {
            pending.add(message);
            deliver();
        } catch (RuntimeException e) {
            failed(e);
        } finally {
            listenerLock.unlock();
        }
        afterCallbacks();
    }

    /** Hands the listener what it asked for; called holding the listener lock. */
    private void deliver() {
        while (listener != null && !answered && !reset && demand > 0 && !pending.isEmpty()) {
            demand--;
            listener.onMessage(pending.poll());
        }
        if (listener != null && !answered && !reset && halfClosePending && pending.isEmpty()) {
            halfClosePending = false;
            listener.onHalfClose();
        }
    }

    /** Tells the listener that the call is over (completed or cancelled), once, holding the lock if it is free. */
    private void afterCallbacks() {
        if (!(answered || reset) || !listenerLock.tryLock()) {
            return; // the thread holding the lock calls this again when it lets go
        }
        try {
            if (listener == null) {
                return;
            }
            if (reset && !completeDelivered && !cancelDelivered) {
                cancelDelivered = true;
                listener.onCancel();
            } else if (answered && !completeDelivered && !cancelDelivered) {
                completeDelivered = true;
                listener.onComplete();
            }
        } catch (RuntimeException e) {
            transport.internalError(requestHeaders.path(), e);
        } finally {
            listenerLock.unlock();
        }
    }

    /** A handler or interceptor threw: an internal error, answered without its details. */
    private void failed(RuntimeException e) {
        String reference = transport.internalError(requestHeaders.path(), e);
        close(Status.INTERNAL.withDescription("internal error (reference " + reference + ")"), new Metadata());
    }

    /** Ends the call from the transport (no handler involved), logging why. */
    private void refuse(Status status) {
        if (answered || reset) {
            return;
        }
        transport.refused(requestHeaders.path(), attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), status);
        close(status, new Metadata());
    }

    /** Writes the trailers (once) and frees the call's place. */
    private void close(Status status, Metadata trailers) {
        synchronized (writeLock) {
            if (answered) {
                return;
            }
            answered = true;
            try {
                if (!reset) {
                    writer.writeHeaders(GrpcHeaders.trailers(status, trailers, !headersSent), streamId,
                            Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS | Http2Flag.END_OF_STREAM),
                            flowControl.outbound());
                }
            } finally {
                releasePermit();
                answeredOrReset.countDown();
            }
        }
    }

    private void releasePermit() {
        InFlightLimit.Permit held = permit;
        if (held != null) {
            held.close();
        }
    }

    private static String messageName(MethodDescriptor<?, ?> descriptor) {
        String full = descriptor.getFullMethodName();
        return "request of " + full.substring(full.lastIndexOf('/') + 1);
    }

    /** The call as the method's handler and the interceptors see it. */
    private final class Call extends ServerCall<Q, R> {
        @Override
        public void request(int numMessages) {
            // called by the handler on the stream thread (holding the lock) or by another of its threads
            listenerLock.lock();
            try {
                demand += numMessages;
                if (listenerLock.getHoldCount() == 1) {
                    deliver(); // not from inside a callback: hand over what waits
                }
            } finally {
                listenerLock.unlock();
            }
        }

        @Override
        public void sendHeaders(Metadata headers) {
            synchronized (writeLock) {
                if (answered || reset || headersSent) {
                    return;
                }
                headersSent = true;
                writer.writeHeaders(GrpcHeaders.response(headers), streamId,
                        Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS), flowControl.outbound());
            }
        }

        @Override
        public void sendMessage(R message) {
            byte[] bytes;
            try (InputStream in = method.getMethodDescriptor().streamResponse(message)) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot serialize the response", e);
            }
            BufferData frame = BufferData.create(5 + bytes.length);
            frame.write(0);
            frame.writeUnsignedInt32(bytes.length);
            frame.write(bytes);
            synchronized (writeLock) {
                if (answered || reset) {
                    return;
                }
                if (!headersSent) {
                    sendHeaders(new Metadata());
                }
                writer.writeData(new Http2FrameData(Http2FrameHeader.create(frame.available(), Http2FrameTypes.DATA,
                        Http2Flag.DataFlags.create(0), streamId), frame), flowControl.outbound());
            }
        }

        @Override
        public void close(Status status, Metadata trailers) {
            GrpcCall.this.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return reset;
        }

        @Override
        public boolean isReady() {
            return !answered && !reset;
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public String getAuthority() {
            return requestHeaders.authority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method.getMethodDescriptor();
        }
    }
}
