package dev.tailor.server;

import com.google.protobuf.ByteString;
import dev.tailor.api.oip.GRPCInferenceServiceGrpc;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferRequest;
import dev.tailor.api.oip.GrpcPredictV2.ModelInferResponse;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS through configuration ({@code server.tls}, Helidon's): with a self-signed certificate made
 * here by the JDK's keytool, REST over HTTP/1.1 and HTTP/2 (ALPN h2) and gRPC are served on the
 * one port, and a client that does not trust the certificate is turned away.
 */
class TlsTest {
    private static final String PASSWORD = "changeit";
    private static final String MODEL = "cnn1";
    @TempDir
    static Path dir;
    private static TestServer running;
    private static Path certificate;
    private static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("server.p12");
        certificate = dir.resolve("server.pem");
        keytool("-genkeypair", "-alias", "1", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "1", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-file", certificate.toString());
        running = TestServer.start(Map.of(
                "server.tls.private-key.keystore.resource.path", keystore.toString(),
                "server.tls.private-key.keystore.passphrase", PASSWORD));
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry("tailor", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        managers.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, managers.getTrustManagers(), null);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void restIsServedOverHttp1AndHttp2WithTls() throws Exception {
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            try (HttpClient client = HttpClient.newBuilder().version(version).sslContext(trusting).build()) {
                HttpResponse<String> ready = client.send(HttpRequest.newBuilder(https("/v2/health/ready")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ready.statusCode(), ready.body());
                assertEquals(version, ready.version(), "ALPN chose the client's protocol");
                HttpResponse<String> model = client.send(HttpRequest.newBuilder(https("/v2/models/" + MODEL)).GET()
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, model.statusCode(), model.body());
                assertTrue(model.body().contains("\"name\":\"" + MODEL + "\""), model.body());
            }
        }
    }

    @Test
    void grpcIsServedWithTls() throws Exception {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", running.server().port(),
                TlsChannelCredentials.newBuilder().trustManager(certificate.toFile()).build()).build();
        try {
            ByteBuffer raw = ByteBuffer.allocate(784 * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(Fixtures.tensor(Fixtures.testImages(), 0));
            ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(1, TimeUnit.MINUTES).modelInfer(ModelInferRequest.newBuilder().setModelName(MODEL)
                            .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                                    .addAllShape(List.of(1L, 1L, 28L, 28L)))
                            .addRawInputContents(ByteString.copyFrom(raw.array())).build());
            assertEquals(40, response.getRawOutputContents(0).size(), "ten FP32 probabilities");
        } finally {
            channel.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsTurnedAway() {
        try (HttpClient client = HttpClient.newBuilder().build()) {
            assertThrows(SSLHandshakeException.class, () -> client.send(HttpRequest.newBuilder(https("/v2/health/live"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    private static URI https(String path) {
        return URI.create("https://localhost:" + running.server().port() + path);
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), "keytool hung");
        assertEquals(0, process.exitValue(), "keytool " + String.join(" ", args) + ": " + output);
    }
}
