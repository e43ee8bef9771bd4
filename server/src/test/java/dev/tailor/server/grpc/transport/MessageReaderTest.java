package dev.tailor.server.grpc.transport;

import io.grpc.Status;
import io.helidon.common.buffers.BufferData;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gRPC messages are cut out of DATA however it is split, and bad prefixes end the call before any buffering. */
class MessageReaderTest {
    @Test
    void messagesComeOutWholeWhateverTheFrameBoundaries() throws Exception {
        byte[] first = new byte[200_000]; // more than the first buffer: it has to grow
        new Random(1).nextBytes(first);
        byte[] second = {1, 2, 3};
        byte[] stream = concat(message(first), message(new byte[0]), message(second));
        for (int frame : new int[]{1, 3, 5, 7, 4096, stream.length}) {
            MessageReader reader = new MessageReader(1 << 20);
            List<byte[]> out = new ArrayList<>();
            for (int at = 0; at < stream.length; at += frame) {
                reader.read(BufferData.create(Arrays.copyOfRange(stream, at, Math.min(stream.length, at + frame))), out::add);
            }
            assertDoesNotThrow(reader::checkEnd);
            assertEquals(3, out.size(), "frames of " + frame);
            assertArrayEquals(first, out.get(0));
            assertEquals(0, out.get(1).length);
            assertArrayEquals(second, out.get(2));
        }
    }

    @Test
    void aLengthOverTheLimitIsRefusedAtItsPrefix() {
        MessageReader reader = new MessageReader(1000);
        byte[] prefix = ByteBuffer.allocate(5).put((byte) 0).putInt(1_700_000_000).array();
        MessageReader.Refused refused = assertThrows(MessageReader.Refused.class,
                () -> reader.read(BufferData.create(prefix), m -> { }));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.status().getCode());
        assertTrue(refused.status().getDescription().contains("1700000000 bytes"), refused.status().getDescription());
    }

    @Test
    void framesThatAreNotGrpcMessagesAreInternalErrors() {
        assertEquals(Status.Code.INTERNAL, refusal(new byte[]{1, 0, 0, 0, 1, 7}).getCode()); // compressed, no encoding
        assertEquals(Status.Code.INTERNAL, refusal("GET / HTTP/1.1".getBytes()).getCode());
        MessageReader reader = new MessageReader(1000);
        assertDoesNotThrow(() -> reader.read(BufferData.create(Arrays.copyOf(message(new byte[10]), 8)), m -> { }));
        assertEquals(Status.Code.INTERNAL, assertThrows(MessageReader.Refused.class, reader::checkEnd).status().getCode());
    }

    private static Status refusal(byte[] data) {
        return assertThrows(MessageReader.Refused.class, () -> new MessageReader(1000).read(BufferData.create(data),
                m -> { })).status();
    }

    private static byte[] message(byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
