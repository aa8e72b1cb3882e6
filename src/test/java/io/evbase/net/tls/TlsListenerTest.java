package io.evbase.net.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.evbase.net.CloseReason;
import io.evbase.net.ConnectionInfo;
import io.evbase.net.ListenerSpec;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.Clients;
import io.evbase.support.TestPki;
import io.evbase.support.TestServer;
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
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS on a real {@code Server}: the echo handler, unchanged, behind a TLS listener, against the JDK's
 * {@link SSLSocket}, OpenSSL and Python. Pooled chunks of 1 KiB, so every record straddles chunks.
 */
class TlsListenerTest {

    @TempDir
    static Path dir;
    static TestPki.Issued ca;
    static TestPki.Issued serverCert;
    static Path caFile;
    static SSLContext clientContext;

    @BeforeAll
    static void pki() throws IOException {
        ca = TestPki.authority("listener test CA");
        serverCert = ca.server("localhost");
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certPem());
        clientContext = TestPki.trusting(ca.cert());
    }

    private static ListenerTls tls(String name, ClientAuth auth, Duration handshakeTimeout, Executor tasks) {
        return new ListenerTls(name, new TlsIdentity("test", serverCert.context(ca.cert()), List.of(), List.of(),
                serverCert.cert()), auth, handshakeTimeout, tasks);
    }

    private static ListenerTls tls(String name) {
        return tls(name, ClientAuth.NONE, Duration.ofSeconds(10), TlsTasks.shared());
    }

    private static TestServer echo(ListenerTls tls) {
        return TestServer.start(ListenerSpec.of(tls.listener(), 0, new EchoHandler()).withTls(tls));
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
    void echoHandlerServesPlaintextOverTls(String protocol) throws Exception {
        ConcurrentHashMap<String, Boolean> taskThreads = new ConcurrentHashMap<>();
        AtomicLong tasks = new AtomicLong();
        Executor recording = task -> TlsTasks.shared().execute(() -> {
            tasks.incrementAndGet();
            taskThreads.put(Thread.currentThread().getName(), true);
            task.run();
        });
        try (TestServer s = echo(tls("echo", ClientAuth.NONE, Duration.ofSeconds(10), recording));
                SSLSocket c = connect(s.port, clientContext, protocol)) {
            OutputStream out = c.getOutputStream();
            DataInputStream in = new DataInputStream(c.getInputStream());
            byte[] small = "hello over tls\n".getBytes(StandardCharsets.US_ASCII);
            out.write(small);
            byte[] back = new byte[small.length];
            in.readFully(back);
            assertThat(back).isEqualTo(small);
            byte[] big = new byte[16384];
            new Random(5).nextBytes(big);
            Clients.echoesPipelined(c, big, 100);
            assertThat(c.getSession().getProtocol()).isEqualTo(protocol);
            List<ConnectionInfo> conns = s.server.connections(Duration.ofSeconds(5));
            assertThat(conns).singleElement().satisfies(ci -> {
                assertThat(ci.tls()).isEqualTo(protocol);
                assertThat(ci.peerSubject()).isEmpty();
                assertThat(ci.bytesRead()).as("ciphertext counted").isGreaterThan(100L * 16384);
            });
            assertThat(tasks.get()).as("the engine's delegated tasks ran on the task executor").isPositive();
            assertThat(taskThreads.keySet()).allMatch(t -> t.startsWith("evbase-tls-"));
            ListenerTls tls = s.server.listenerConfigs().get(0).tls();
            assertThat(tls.stats().handshakesCompleted()).isEqualTo(1);
            assertThat(tls.stats().negotiatedProtocol(protocol)).isEqualTo(1);
        }
    }

    @Test
    void plaintextClientIsClosedCleanlyAndCounted() throws Exception {
        try (TestServer s = echo(tls("echo"))) {
            try (Socket c = new Socket("127.0.0.1", s.port)) {
                c.setSoTimeout(20_000);
                c.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(c.getInputStream().read()).as("closed without a byte").isEqualTo(-1);
            }
            ListenerTls tls = s.server.listenerConfigs().get(0).tls();
            await().until(() -> s.server.listener("echo").closed(CloseReason.TLS) == 1);
            assertThat(tls.stats().handshakesFailed(TlsFailure.PLAINTEXT)).isEqualTo(1);
        }
    }

    @Test
    void stalledHandshakeIsCutAtTheHandshakeTimeout() throws Exception {
        try (TestServer s = echo(tls("echo", ClientAuth.NONE, Duration.ofMillis(300), TlsTasks.shared()))) {
            try (Socket c = new Socket("127.0.0.1", s.port)) {
                c.setSoTimeout(20_000);
                c.getOutputStream().write(new byte[] {22, 3, 1, 0, 100, 1}); // a ClientHello that never ends
                InputStream in = c.getInputStream();
                byte[] got = in.readAllBytes();
                for (int i = 0; i < got.length; i += 7) {
                    assertThat(got[i]).as("only alerts before the close").isEqualTo((byte) 21);
                }
            }
            ListenerTls tls = s.server.listenerConfigs().get(0).tls();
            await().until(() -> s.server.listener("echo").closed(CloseReason.TLS) == 1);
            assertThat(tls.stats().handshakesFailed(TlsFailure.TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void idleTimeoutClosesWithCloseNotify() {
        ListenerTls tls = tls("echo");
        try (TestServer s = TestServer.start(ListenerSpec.of("echo", 0, new EchoHandler()).withTls(tls)
                .withTimeouts(Duration.ofMillis(500), Duration.ZERO, Duration.ZERO))) {
            TlsClients.Outcome o = TlsClients.python(s.port, caFile, List.of("--send", "ping\\n", "--until-close",
                    "yes"), Duration.ofSeconds(30));
            assertThat(o.exitCode()).as(o.stderr()).isZero();
            assertThat(o.stdout()).contains("\"received\": \"ping\\n\"").contains("\"serverCloseNotify\": true");
            await().until(() -> s.server.listener("echo").closed(CloseReason.IDLE_TIMEOUT) == 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void clientCloseNotifyEndsTheInputAndRepliesStillGoOut() {
        try (TestServer s = echo(tls("echo"))) {
            TlsClients.Outcome o = TlsClients.python(s.port, caFile, List.of("--tls", "1.3", "--send",
                    "a\\nb\\nc\\n"), Duration.ofSeconds(30));
            assertThat(o.exitCode()).as(o.stderr()).isZero();
            assertThat(o.stdout()).contains("\"received\": \"a\\nb\\nc\\n\"").contains("\"closeNotify\": true");
            await().until(() -> s.server.listener("echo").closed(CloseReason.PEER_CLOSED) == 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void lastDataAndCloseNotifyInOneReadAreBothSeen(String protocol) throws Exception {
        // A client codec over a blocking socket, so that the last request and close_notify leave in one write and
        // the server reads them in one read: the data is served, and the end still reaches the connection.
        try (TestServer s = echo(tls("echo"));
                java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                        new java.net.InetSocketAddress("127.0.0.1", s.port))) {
            io.evbase.buffer.BufferPool pool = new io.evbase.buffer.BufferPool(16384, 1 << 20, 8 << 20);
            io.evbase.buffer.BufferPool.Cache cache = pool.newCache("client");
            javax.net.ssl.SSLEngine engine = clientContext.createSSLEngine("localhost", s.port);
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[] {protocol});
            io.evbase.buffer.BufferChain plainIn = new io.evbase.buffer.BufferChain(cache);
            io.evbase.buffer.BufferChain plainOut = new io.evbase.buffer.BufferChain(cache);
            TlsCodec codec = new TlsCodec(engine, new io.evbase.buffer.BufferChain(cache),
                    new io.evbase.buffer.BufferChain(cache), new TlsStaging(), Runnable::run, () -> { },
                    new TlsStats());
            while (!codec.isHandshakeComplete()) {
                codec.resumed();
                codec.process(plainIn, Long.MAX_VALUE);
                codec.writeNetworkOutput(ch);
                if (!codec.isHandshakeComplete() && !codec.isTaskRunning()
                        && codec.networkIn().readFrom(ch, codec.networkInRoom()) < 0) {
                    throw new IOException("closed during the handshake");
                }
            }
            codec.writeNetworkOutput(ch); // the client's Finished (TLS 1.2 ends with the server's)
            plainOut.write("last words\n".getBytes(StandardCharsets.US_ASCII));
            plainOut.writeTo(codec.plaintextSink());
            codec.closeOutbound();
            assertThat(codec.writeNetworkOutput(ch)).as("data and close_notify in one write").isPositive();
            while (!codec.isInboundDone() && codec.state() != TlsCodec.State.FAILED) {
                if (codec.networkIn().readFrom(ch, codec.networkInRoom()) < 0) {
                    codec.networkInputClosed();
                }
                codec.process(plainIn, Long.MAX_VALUE);
            }
            assertThat(codec.failure()).isNull();
            // TLS 1.3 closes one direction at a time: the reply still comes. TLS 1.2 answers close_notify with its
            // own at once and discards what was not sent yet (RFC 5246 7.2.1), as the JDK's engine does.
            assertThat(new String(plainIn.readBytes((int) plainIn.readableBytes()), StandardCharsets.US_ASCII))
                    .isEqualTo(protocol.equals("TLSv1.3") ? "last words\n" : "");
            await().until(() -> s.server.listener("echo").closed(CloseReason.PEER_CLOSED) == 1);
            codec.abandon();
            plainIn.clear();
            plainOut.clear();
            codec.networkIn().clear();
            codec.networkOut().clear();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void opensslAndPythonGetTheirEchoes(String version) throws Exception {
        try (TestServer s = echo(tls("echo"))) {
            TlsClients.Outcome o = TlsClients.openssl(s.port, caFile, List.of("-tls" + version.replace('.', '_')),
                    "hello over openssl\n", "hello over openssl", Duration.ofSeconds(30));
            assertThat(o.stdout()).as(o.stderr()).contains("hello over openssl");
            assertThat(o.exitCode()).as(o.stderr()).isZero();
            TlsClients.Outcome p = TlsClients.python(s.port, caFile, List.of("--tls", version, "--send",
                    "hello from python\\n", "--repeat", "5"), Duration.ofSeconds(30));
            assertThat(p.exitCode()).as(p.stderr()).isZero();
            assertThat(p.stdout()).contains("\"protocol\": \"TLSv" + version + "\"")
                    .contains("hello from python\\n".repeat(5));
        }
    }

    @Test
    void overTheLimitATlsClientIsClosedWithoutThePlaintextRefusal() throws Exception {
        EchoHandler echo = new EchoHandler();
        io.evbase.net.ConnectionHandler refusing = new io.evbase.net.ConnectionHandler() {
            @Override
            public io.evbase.net.ConnectionSession open(io.evbase.net.Connection connection) {
                return echo.open(connection);
            }

            @Override
            public byte[] tooManyConnectionsReply() {
                return "SERVER_ERROR too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);
            }
        };
        try (TestServer s = TestServer.start(ListenerSpec.of("limited", 0, refusing).withTls(tls("limited"))
                .withMaxConnections(1)); SSLSocket first = connect(s.port, clientContext, null)) {
            first.getOutputStream().write('1');
            assertThat(first.getInputStream().read()).isEqualTo('1');
            try (Socket second = new Socket("127.0.0.1", s.port)) {
                second.setSoTimeout(20_000);
                byte[] got;
                try {
                    got = second.getInputStream().readAllBytes();
                } catch (java.net.SocketException reset) {
                    got = new byte[0];
                }
                assertThat(new String(got, StandardCharsets.US_ASCII)).as("no plaintext on a TLS port").isEmpty();
            }
            await().until(() -> s.server.listener("limited").rejected(io.evbase.net.BoundListener.RejectReason.LIMIT)
                    == 1);
        }
    }

    @Test
    void renegotiationIsRefused() throws Exception {
        try (TestServer s = echo(tls("echo")); SSLSocket c = connect(s.port, clientContext, "TLSv1.2")) {
            c.getOutputStream().write('x');
            assertThat(c.getInputStream().read()).isEqualTo('x');
            assertThatThrownBy(() -> {
                c.startHandshake();
                c.getOutputStream().write('y');
                while (c.getInputStream().read() >= 0) {
                    // until the close
                }
                throw new IOException("closed");
            }).isInstanceOf(IOException.class);
            ListenerTls tls = s.server.listenerConfigs().get(0).tls();
            await().until(() -> tls.stats().errors(TlsFailure.RENEGOTIATION) == 1);
            await().until(() -> s.server.listener("echo").closed(CloseReason.TLS) == 1);
        }
    }

    @Test
    void clientAuthNeedRefusesAClientWithoutACertificateAndShowsThePeer() throws Exception {
        ListenerTls tls = tls("mtls", ClientAuth.NEED, Duration.ofSeconds(10), TlsTasks.shared());
        try (TestServer s = echo(tls)) {
            try (SSLSocket c = connect(s.port, clientContext, null)) {
                assertThatThrownBy(() -> {
                    c.getOutputStream().write('x');
                    c.getInputStream().read(); // TLS 1.3: the refusal comes after the client's Finished
                }).isInstanceOf(SSLException.class);
            }
            await().until(() -> tls.stats().handshakesFailed(TlsFailure.CERTIFICATE) == 1);
            TlsClients.Outcome o = TlsClients.python(s.port, caFile, List.of("--send", "x"), Duration.ofSeconds(30));
            assertThat(o.exitCode()).as("python without a certificate").isEqualTo(2);
            try (SSLSocket c = connect(s.port, ca.client("alice").context(ca.cert()), null)) {
                c.getOutputStream().write('x');
                assertThat(c.getInputStream().read()).isEqualTo('x');
                assertThat(s.server.connections(Duration.ofSeconds(5))).singleElement()
                        .satisfies(ci -> assertThat(ci.peerSubject()).isEqualTo("CN=alice"));
            }
            Path cert = dir.resolve("bob.crt");
            Path key = dir.resolve("bob.key");
            ca.client("bob").writePem(cert, key);
            TlsClients.Outcome bob = TlsClients.python(s.port, caFile, List.of("--cert", cert.toString(), "--key",
                    key.toString(), "--send", "hi"), Duration.ofSeconds(30));
            assertThat(bob.exitCode()).as(bob.stderr()).isZero();
            assertThat(bob.stdout()).contains("\"received\": \"hi\"");
        }
    }

    @Test
    void expiredCertificateIsRefusedByClientsAndCounted() throws Exception {
        TestPki.Issued expired = ca.issue("localhost", TestPki.Kind.SERVER, Instant.now().minus(Duration.ofDays(9)),
                Instant.now().minus(Duration.ofDays(2)));
        ListenerTls tls = new ListenerTls("old", new TlsIdentity("test", expired.context(), List.of(), List.of(),
                expired.cert()), ClientAuth.NONE, Duration.ofSeconds(10));
        assertThat(tls.secondsToExpiry()).isNegative();
        try (TestServer s = echo(tls)) {
            try (SSLSocket c = connect(s.port, clientContext, null)) {
                assertThatThrownBy(c::startHandshake).isInstanceOf(SSLException.class);
            }
            TlsClients.Outcome o = TlsClients.python(s.port, caFile, List.of("--send", "x"), Duration.ofSeconds(30));
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.stderr()).contains("expired");
            await().until(() -> tls.stats().handshakesFailed() == 2);
            assertThat(tls.stats().handshakesFailed(TlsFailure.CERTIFICATE)).as(TlsDescriptorText.of(tls.stats()))
                    .isEqualTo(2);
        }
    }

    @Test
    void aClientThatNeverReadsIsHeldToTheWriteWatermarkInPlaintext() throws Exception {
        int high = 64 * 1024;
        ListenerTls tls = tls("echo");
        try (TestServer s = TestServer.start(ListenerSpec.of("echo", 0, new EchoHandler()).withTls(tls)
                .withWatermarks(high, high, high / 4), 1, 16384);
                Socket raw = new Socket("127.0.0.1", s.port);
                SSLSocket c = (SSLSocket) clientContext.getSocketFactory().createSocket(raw, "localhost", s.port,
                        true)) {
            c.startHandshake();
            OutputStream out = c.getOutputStream();
            AtomicLong sent = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] block = new byte[8192];
                try {
                    while (sent.get() < (256L << 20)) {
                        out.write(block);
                        sent.addAndGet(block.length);
                    }
                } catch (IOException closed) {
                    // the test closed the socket
                }
            });
            writer.setDaemon(true);
            writer.start();
            // The server echoes until its output passes the watermark, then stops reading: the client's writes stall.
            await().atMost(Duration.ofSeconds(30)).until(() -> s.server.outputBytes() > high);
            long inUse = s.pool().inUseBytes();
            assertThat(s.server.outputBytes()).as("queued plaintext").isLessThanOrEqualTo(high + 2L * 16384);
            assertThat(inUse).as("pooled memory of the one connection: plaintext and ciphertext, both bounded")
                    .isLessThan(1L << 20);
            assertThat(sent.get()).as("the client could not push its 256 MiB").isLessThan(256L << 20);
            raw.close(); // under the writer blocked in the TLS socket
            writer.join(10_000);
        }
    }

    /** The failure counts, for assertion messages. */
    static final class TlsDescriptorText {
        static String of(TlsStats stats) {
            StringBuilder sb = new StringBuilder();
            for (TlsFailure f : TlsFailure.values()) {
                sb.append(f.tag()).append('=').append(stats.handshakesFailed(f)).append(' ');
            }
            return sb.toString();
        }
    }
}
