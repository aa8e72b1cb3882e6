package io.evbase.net.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.TestPki;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TlsCodec} engine to engine, in memory: handshakes, data both ways, closes, failures, bounds. */
class TlsCodecTest {

    static TestPki.Issued ca;
    static TestPki.Issued server;
    static SSLContext serverContext;
    static SSLContext clientContext;

    private CodecPair pair;

    @BeforeAll
    static void pki() {
        ca = TestPki.authority("codec test CA");
        server = ca.server("localhost");
        serverContext = server.context(ca.cert());
        clientContext = TestPki.trusting(ca.cert());
    }

    @AfterEach
    void release() {
        if (pair != null) {
            pair.release();
            assertThat(pair.pool.inUseBytes()).as("every pooled chunk given back").isZero();
        }
    }

    private CodecPair pair(int chunkSize, String... protocols) {
        pair = new CodecPair(CodecPair.serverEngine(serverContext, protocols),
                CodecPair.clientEngine(clientContext, protocols), chunkSize);
        return pair;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void handshakeThenDataBothWays(String protocol) {
        CodecPair p = pair(16384, protocol);
        p.pump(() -> 1 << 20);
        assertThat(p.server.codec.state()).isEqualTo(TlsCodec.State.OPEN);
        assertThat(p.client.codec.state()).isEqualTo(TlsCodec.State.OPEN);
        assertThat(p.server.codec.protocol()).isEqualTo(protocol);
        assertThat(p.server.stats.handshakesCompleted()).isEqualTo(1);
        assertThat(p.server.stats.negotiatedProtocol(protocol)).isEqualTo(1);
        assertThat(p.server.stats.negotiatedCipher(p.server.codec.cipherSuite())).isEqualTo(1);
        assertThat(p.server.codec.handshakeNanos()).isPositive();
        assertThat(p.tasksRun).as("the engine's delegated tasks ran through the executor").isPositive();

        p.client.write("hello".getBytes(StandardCharsets.US_ASCII));
        p.pump(() -> 7);
        assertThat(new String(p.server.read(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        p.server.write("world".getBytes(StandardCharsets.US_ASCII));
        p.pump(() -> 1);
        assertThat(new String(p.client.read(), StandardCharsets.US_ASCII)).isEqualTo("world");
    }

    @Test
    void plaintextWaitsForTheHandshake() {
        CodecPair p = pair(16384);
        p.server.write("early".getBytes(StandardCharsets.US_ASCII));
        p.server.drive();
        assertThat(p.server.plainOut.readableBytes()).as("nothing encrypted before the handshake").isEqualTo(5);
        p.pump(() -> 100);
        assertThat(new String(p.client.read(), StandardCharsets.US_ASCII)).isEqualTo("early");
    }

    @Test
    void recordsStraddlingSmallChunksAndSplitAtEveryByte() {
        CodecPair p = pair(256); // a 16 KiB record spans 65 chunks
        byte[] data = new byte[200_000];
        new Random(42).nextBytes(data);
        p.pump(() -> 1 << 20);
        p.client.write(data);
        Random r = new Random(7);
        p.pump(() -> 1 + r.nextInt(3000));
        assertThat(p.server.read()).isEqualTo(data);
        p.server.write(data);
        p.pump(() -> 1);
        assertThat(p.client.read()).isEqualTo(data);
    }

    @Test
    void ciphertextStaysWithinItsBoundsWhilePlaintextWaitsInTheOwnersOutput() {
        CodecPair p = pair(16384);
        p.pump(() -> 1 << 20);
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        p.client.write(data);
        p.client.drive();
        assertThat(p.client.codec.networkOut().readableBytes())
                .isLessThanOrEqualTo(TlsCodec.NETWORK_OUT_BOUND + TlsCodec.MAX_RECORD);
        assertThat(p.client.plainOut.readableBytes()).as("the rest waits as plaintext").isGreaterThan(900_000L);
        p.server.plainLimit = 64 * 1024;
        p.pump(() -> 10_000);
        assertThat(p.server.plainIn.readableBytes()).as("decryption stops near the plaintext limit")
                .isBetween(64L * 1024, 64L * 1024 + 16384);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        while (got.size() < data.length) {
            got.writeBytes(p.server.read());
            p.pump(() -> 10_000);
        }
        assertThat(got.toByteArray()).isEqualTo(data);
        assertThat(p.maxNetworkOut).isLessThanOrEqualTo(TlsCodec.NETWORK_OUT_BOUND + TlsCodec.MAX_RECORD);
        assertThat(p.maxNetworkIn).isLessThanOrEqualTo(TlsCodec.NETWORK_IN_BOUND);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void closeNotifyFromTheClient(String protocol) {
        CodecPair p = pair(16384, protocol);
        p.pump(() -> 1 << 20);
        p.client.write("last".getBytes(StandardCharsets.US_ASCII));
        p.client.drive();
        p.client.codec.closeOutbound();
        p.pump(() -> 3);
        assertThat(new String(p.server.read(), StandardCharsets.US_ASCII)).isEqualTo("last");
        assertThat(p.server.codec.isInboundDone()).isTrue();
        assertThat(p.server.codec.failure()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void closeNotifyFromTheServerAfterItsLastReply(String protocol) {
        CodecPair p = pair(16384, protocol);
        p.pump(() -> 1 << 20);
        p.server.write("bye".getBytes(StandardCharsets.US_ASCII));
        p.server.drive();
        p.server.codec.closeOutbound();
        p.server.write("too late".getBytes(StandardCharsets.US_ASCII));
        p.pump(() -> 2);
        assertThat(new String(p.client.read(), StandardCharsets.US_ASCII)).isEqualTo("bye");
        assertThat(p.client.codec.isInboundDone()).isTrue();
        assertThat(p.server.plainOut.readableBytes()).as("nothing taken after close_notify").isEqualTo(8);
    }

    @Test
    void plaintextClientIsRecognisedAndGetsNothing() {
        CodecPair p = pair(16384);
        p.server.codec.networkIn().write("set a 0 0 1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        p.server.drive();
        assertThat(p.server.codec.state()).isEqualTo(TlsCodec.State.FAILED);
        assertThat(p.server.codec.failure()).isEqualTo(TlsFailure.PLAINTEXT);
        assertThat(p.server.codec.networkOut().isEmpty()).as("no alert for a plaintext peer").isTrue();
        assertThat(p.server.stats.handshakesFailed(TlsFailure.PLAINTEXT)).isEqualTo(1);
    }

    @Test
    void garbageThatIsNotTextIsAProtocolFailure() {
        CodecPair p = pair(16384);
        p.server.codec.networkIn().write(new byte[] {(byte) 0x80, 0x2e, 0x01, 0x00, 0x02});
        p.server.drive();
        assertThat(p.server.codec.failure()).isEqualTo(TlsFailure.PROTOCOL);
    }

    @Test
    void oversizedRecordIsRefusedBeforeItArrives() {
        CodecPair p = pair(16384);
        p.server.codec.networkIn().write(new byte[] {22, 3, 3, (byte) 0xff, (byte) 0xff});
        p.server.drive();
        assertThat(p.server.codec.failure()).isEqualTo(TlsFailure.PROTOCOL);
    }

    @Test
    void clientWithoutCertificateUnderNeedIsRefused() {
        SSLEngine se = CodecPair.serverEngine(serverContext);
        se.setNeedClientAuth(true);
        pair = new CodecPair(se, CodecPair.clientEngine(clientContext), 16384);
        pair.pump(() -> 1 << 20);
        assertThat(pair.server.codec.failure()).isEqualTo(TlsFailure.CERTIFICATE);
        assertThat(pair.server.stats.handshakesFailed(TlsFailure.CERTIFICATE)).isEqualTo(1);
        assertThat(pair.client.codec.state()).as("the client learns it through the alert")
                .isEqualTo(TlsCodec.State.FAILED);
    }

    @Test
    void clientCertificateUnderNeedIsAcceptedAndItsSubjectKnown() {
        TestPki.Issued clientCert = ca.client("alice");
        SSLEngine se = CodecPair.serverEngine(serverContext);
        se.setNeedClientAuth(true);
        pair = new CodecPair(se, CodecPair.clientEngine(clientCert.context(ca.cert())), 16384);
        pair.pump(() -> 1 << 20);
        assertThat(pair.server.codec.state()).isEqualTo(TlsCodec.State.OPEN);
        assertThat(pair.server.codec.peerSubject()).isEqualTo("CN=alice");
    }

    @Test
    void expiredServerCertificateIsACertificateFailureOnBothSides() {
        TestPki.Issued expired = ca.issue("localhost", TestPki.Kind.SERVER, Instant.now().minus(Duration.ofDays(10)),
                Instant.now().minus(Duration.ofDays(1)));
        pair = new CodecPair(CodecPair.serverEngine(expired.context()), CodecPair.clientEngine(clientContext), 16384);
        pair.pump(() -> 1 << 20);
        assertThat(pair.client.codec.failure()).isEqualTo(TlsFailure.CERTIFICATE);
        assertThat(pair.server.codec.failure()).as("the client's alert names the certificate")
                .isEqualTo(TlsFailure.CERTIFICATE);
    }

    @Test
    void noCommonProtocolIsAProtocolFailure() {
        pair = new CodecPair(CodecPair.serverEngine(serverContext, "TLSv1.3"),
                CodecPair.clientEngine(clientContext, "TLSv1.2"), 16384);
        pair.pump(() -> 1 << 20);
        assertThat(pair.server.codec.failure()).isEqualTo(TlsFailure.PROTOCOL);
    }

    @Test
    void handshakeTimeoutAndPeerCloseAreCountedOnlyWhileHandshaking() {
        CodecPair p = pair(16384);
        p.server.codec.handshakeTimedOut();
        assertThat(p.server.codec.failure()).isEqualTo(TlsFailure.TIMEOUT);
        assertThat(p.server.stats.handshakesFailed(TlsFailure.TIMEOUT)).isEqualTo(1);
        CodecPair q = new CodecPair(CodecPair.serverEngine(serverContext), CodecPair.clientEngine(clientContext), 16384);
        try {
            q.server.codec.networkInputClosed();
            assertThat(q.server.codec.failure()).isEqualTo(TlsFailure.CLOSED);
            CodecPair r = new CodecPair(CodecPair.serverEngine(serverContext), CodecPair.clientEngine(clientContext),
                    16384);
            try {
                r.pump(() -> 1 << 20);
                r.server.codec.handshakeTimedOut();
                r.server.codec.networkInputClosed();
                assertThat(r.server.codec.failure()).isNull();
                assertThat(r.server.codec.isInboundDone()).isTrue();
                assertThat(r.server.stats.handshakesFailed()).isZero();
            } finally {
                r.release();
            }
        } finally {
            q.release();
        }
    }

    @Test
    void tamperedRecordCutsTheConnection() {
        CodecPair p = pair(16384);
        p.pump(() -> 1 << 20);
        p.client.write("secret".getBytes(StandardCharsets.US_ASCII));
        p.client.drive();
        io.evbase.buffer.BufferChain out = p.client.codec.networkOut();
        byte[] record = out.readBytes((int) out.readableBytes());
        record[record.length - 1] ^= 1;
        p.server.codec.networkIn().write(record);
        p.server.drive();
        assertThat(p.server.codec.failure()).isEqualTo(TlsFailure.PROTOCOL);
        assertThat(p.server.stats.errors(TlsFailure.PROTOCOL)).isEqualTo(1);
        assertThat(p.server.stats.handshakesFailed()).isZero();
    }

    @Test
    void delegatedTasksRunOnTheExecutorAndTheCodecWaitsForResume() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "tls-task"));
        try {
            CodecPair p = pair(16384);
            AtomicReference<String> taskThread = new AtomicReference<>();
            CountDownLatch resumed = new CountDownLatch(1);
            io.evbase.buffer.BufferChain in = new io.evbase.buffer.BufferChain(p.cache);
            io.evbase.buffer.BufferChain out = new io.evbase.buffer.BufferChain(p.cache);
            TlsStats stats = new TlsStats();
            TlsCodec server = new TlsCodec(CodecPair.serverEngine(serverContext), in, out, p.staging,
                    task -> executor.execute(() -> {
                        taskThread.set(Thread.currentThread().getName());
                        task.run();
                    }), resumed::countDown, stats);
            p.client.drive(); // the ClientHello
            in.transferFrom(p.client.codec.networkOut(), p.client.codec.networkOut().readableBytes());
            io.evbase.buffer.BufferChain plain = new io.evbase.buffer.BufferChain(p.cache);
            server.process(plain, 1 << 20);
            assertThat(server.isTaskRunning()).isTrue();
            assertThat(resumed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(taskThread.get()).isEqualTo("tls-task");
            assertThat(out.isEmpty()).as("nothing answered before resume").isTrue();
            server.resumed();
            server.process(plain, 1 << 20);
            assertThat(out.isEmpty()).as("the ServerHello after resume").isFalse();
            in.clear();
            out.clear();
        } finally {
            executor.shutdownNow();
        }
    }
}
