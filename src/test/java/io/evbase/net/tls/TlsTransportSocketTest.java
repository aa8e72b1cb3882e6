package io.evbase.net.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.evbase.support.Clients;
import io.evbase.support.TestPki;
import io.evbase.support.TlsClients;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TlsTransport} over real sockets on one loop ({@link TlsEchoHarness}), against real clients: the JDK's
 * {@link SSLSocket}, OpenSSL's {@code s_client} and Python's {@code ssl}.
 */
class TlsTransportSocketTest {

    @TempDir
    static Path dir;
    static TestPki.Issued ca;
    static Path caFile;
    static SSLContext clientContext;
    static TlsEchoHarness echo;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.authority("socket test CA");
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certPem());
        TestPki.Issued server = ca.server("localhost");
        echo = new TlsEchoHarness(new ListenerTls("echo", new TlsIdentity("test", server.context(ca.cert()), null,
                null, server.cert()), ClientAuth.NONE, Duration.ofSeconds(10)));
        clientContext = TestPki.trusting(ca.cert());
    }

    @AfterAll
    static void stop() throws Exception {
        if (echo != null) {
            echo.close();
        }
    }

    private static SSLSocket connect(int port, SSLContext ctx, String protocol) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        if (protocol != null) {
            s.setEnabledProtocols(new String[] {protocol});
        }
        s.setSoTimeout(20_000);
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void javaClientSmallAndLargePipelinedEchoes(String protocol) throws Exception {
        try (SSLSocket s = connect(echo.port(), clientContext, protocol)) {
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] small = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".getBytes(
                    StandardCharsets.US_ASCII);
            for (int i = 0; i < 100; i++) {
                out.write(small);
                byte[] back = new byte[small.length];
                in.readFully(back);
                assertThat(back).isEqualTo(small);
            }
            byte[] big = new byte[16384];
            new Random(3).nextBytes(big);
            Clients.echoesPipelined(s, big, 64);
        }
    }

    @Test
    void renegotiationIsRefused() throws Exception {
        long before = echo.tls.stats().errors(TlsFailure.RENEGOTIATION);
        try (SSLSocket s = connect(echo.port(), clientContext, "TLSv1.2")) {
            s.startHandshake();
            s.getOutputStream().write('x');
            assertThat(s.getInputStream().read()).isEqualTo('x');
            assertThatThrownBy(() -> {
                s.startHandshake(); // a renegotiation: a new ClientHello on the established connection
                s.getOutputStream().write('y');
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // until the server's close
                }
                throw new IOException("closed");
            }).isInstanceOf(IOException.class);
        }
        await().until(() -> echo.tls.stats().errors(TlsFailure.RENEGOTIATION) == before + 1);
        assertThat(echo.failures).contains(TlsFailure.RENEGOTIATION);
    }

    @Test
    void plaintextClientIsClosedAndCounted() throws Exception {
        long before = echo.tls.stats().handshakesFailed(TlsFailure.PLAINTEXT);
        try (Socket s = new Socket("127.0.0.1", echo.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("closed without a byte").isEqualTo(-1);
        }
        await().until(() -> echo.tls.stats().handshakesFailed(TlsFailure.PLAINTEXT) == before + 1);
    }

    @Test
    void stalledHandshakeIsCutAtTheTimeout() throws Exception {
        TestPki.Issued server = ca.server("localhost");
        try (TlsEchoHarness h = new TlsEchoHarness(new ListenerTls("stall", new TlsIdentity("test",
                server.context(), null, null, server.cert()), ClientAuth.NONE, Duration.ofMillis(300)))) {
            try (Socket s = new Socket("127.0.0.1", h.port())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(new byte[] {22, 3, 1, 0, 100, 1}); // a ClientHello that never finishes
                byte[] got = s.getInputStream().readAllBytes(); // until the server's close
                for (int i = 0; i < got.length; i += 7) {
                    assertThat(got[i]).as("only alerts (user_canceled, close_notify) before the close")
                            .isEqualTo((byte) 21);
                }
            }
            await().until(() -> h.tls.stats().handshakesFailed(TlsFailure.TIMEOUT) == 1);
            assertThat(h.failures).containsExactly(TlsFailure.TIMEOUT);
        }
    }

    @Test
    void clientWithoutCertificateIsRefusedUnderNeed() throws Exception {
        TestPki.Issued server = ca.server("localhost");
        try (TlsEchoHarness h = new TlsEchoHarness(new ListenerTls("mtls", new TlsIdentity("test",
                server.context(ca.cert()), null, null, server.cert()), ClientAuth.NEED, Duration.ofSeconds(10)))) {
            try (SSLSocket s = connect(h.port(), clientContext, null)) {
                assertThatThrownBy(() -> {
                    s.startHandshake();
                    s.getOutputStream().write('x');
                    s.getInputStream().read(); // TLS 1.3: the refusal arrives after the client's Finished
                }).isInstanceOf(SSLException.class);
            }
            await().until(() -> h.tls.stats().handshakesFailed(TlsFailure.CERTIFICATE) == 1);
            TestPki.Issued alice = ca.client("alice");
            try (SSLSocket s = connect(h.port(), alice.context(ca.cert()), null)) {
                s.getOutputStream().write('x');
                assertThat(s.getInputStream().read()).isEqualTo('x');
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void opensslClientGetsItsEcho(String version) {
        TlsClients.Outcome o = TlsClients.openssl(echo.port(), caFile, List.of("-tls" + version.replace('.', '_')),
                "hello over openssl\n", "hello over openssl", Duration.ofSeconds(30));
        assertThat(o.stdout()).as(o.stderr()).contains("hello over openssl");
        assertThat(o.exitCode()).as(o.stderr()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void pythonClientGetsItsEchoAndCloseNotify(String version) {
        TlsClients.Outcome o = TlsClients.python(echo.port(), caFile,
                List.of("--tls", version, "--send", "hello from python\\r\\n", "--repeat", "3"), Duration.ofSeconds(30));
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stdout()).contains("\"protocol\": \"TLSv" + version + "\"")
                .contains("hello from python\\r\\nhello from python\\r\\nhello from python\\r\\n")
                .contains("\"closeNotify\": true");
    }
}
