package dev.tailor.server.grpc.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrpcHeadersTest {
    @Test
    void grpcMessageIsPercentEncodedAsTheWireProtocolSays() {
        assertEquals("shape [1, 784] is wrong", GrpcHeaders.percentEncode("shape [1, 784] is wrong"));
        assertEquals("100%25 caf%C3%A9%0Aline", GrpcHeaders.percentEncode("100% café\nline"));
    }

    @Test
    void onlyGrpcContentTypesAreTakenForGrpc() {
        assertTrue(GrpcTransport.isGrpc("application/grpc"));
        assertTrue(GrpcTransport.isGrpc("application/grpc+proto"));
        assertTrue(GrpcTransport.isGrpc("Application/GRPC; charset=utf-8"));
        assertFalse(GrpcTransport.isGrpc("application/grpc-web"));
        assertFalse(GrpcTransport.isGrpc("application/json"));
    }
}
