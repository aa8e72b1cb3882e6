package io.evbase.net.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.support.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsTransport} driven step by step over a real socket pair (non-blocking; the test polls, in turns, until
 * what it waits for is there): what it tells its connection, and when.
 */
class TlsTransportTest {

    private final EventBase loop = new EventBase(0, "transport-test").start();
    private final BufferPool pool = new BufferPool(16384, 1 << 20, 16 << 20);
    private final BufferPool.Cache cache = pool.newCache("transport-test");
    private ServerSocketChannel listener;
    private SocketChannel serverSide;
    private SocketChannel clientSide;
    private TlsCodec client;
    private TlsTransport transport;
    private final AtomicInteger resumes = new AtomicInteger();
    private final BufferChain clientIn = new BufferChain(cache);
    private final BufferChain serverIn = new BufferChain(cache);

    @BeforeEach
    void connect() throws IOException {
        TestPki.Issued ca = TestPki.authority("transport CA");
        TestPki.Issued cert = ca.server("localhost");
        ListenerTls tls = new ListenerTls("t", new TlsIdentity("test", cert.context(), List.of(), List.of(),
                cert.cert()), ClientAuth.NONE, Duration.ZERO, Runnable::run);
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        clientSide = SocketChannel.open(listener.getLocalAddress());
        serverSide = listener.accept();
        clientSide.configureBlocking(false);
        serverSide.configureBlocking(false);
        SSLContext ctx = TestPki.trusting(ca.cert());
        SSLEngine engine = ctx.createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        client = new TlsCodec(engine, new BufferChain(cache), new BufferChain(cache), new TlsStaging(),
                Runnable::run, () -> { }, new TlsStats());
        transport = new TlsTransport(tls, serverSide, null, cache, loop, resumes::incrementAndGet, () -> { });
        handshake();
    }

    @AfterEach
    void close() throws Exception {
        transport.release();
        client.abandon();
        client.networkIn().clear();
        client.networkOut().clear();
        clientIn.clear();
        serverIn.clear();
        clientSide.close();
        serverSide.close();
        listener.close();
        loop.shutdown();
        loop.awaitTermination(Duration.ofSeconds(5));
    }

    private int serverRead() throws IOException {
        return transport.read(serverIn, 1 << 20, (into, max) -> into.readFrom(serverSide, max));
    }

    /** Client and server take turns until both are done (the server's tasks run inline; resumes are counted). */
    private void handshake() throws IOException {
        for (int turn = 0; !client.isHandshakeComplete() || !transport.codec().isHandshakeComplete(); turn++) {
            assertThat(turn).as("handshake turns").isLessThan(10_000_000);
            client.resumed();
            client.process(clientIn, Long.MAX_VALUE);
            client.writeNetworkOutput(clientSide);
            if (!transport.codec().isHandshakeComplete()) {
                transport.resumed();
                serverRead();
            }
            if (!client.isHandshakeComplete()) {
                client.networkIn().readFrom(clientSide, client.networkInRoom());
            }
        }
        resumes.set(0);
    }

    @Test
    void anEndReadWithTheLastDataIsReportedByTheNextReadWhichTheTransportAsksFor() throws IOException {
        BufferChain out = new BufferChain(cache);
        out.write("last words".getBytes(StandardCharsets.US_ASCII));
        out.writeTo(client.plaintextSink());
        client.closeOutbound();
        client.writeNetworkOutput(clientSide); // data and close_notify, one write
        int n = 0;
        for (int turn = 0; n == 0; turn++) {
            assertThat(turn).as("turns until the records arrive").isLessThan(10_000_000);
            n = serverRead(); // one read brings both records (written at once, read once there)
        }
        assertThat(n).isEqualTo(10);
        assertThat(serverIn.readBytes(10)).asString(StandardCharsets.US_ASCII).isEqualTo("last words");
        assertThat(transport.inputEnded()).as("not yet: the data goes first").isFalse();
        assertThat(resumes.get()).isZero();
        transport.interest(SelectionKey.OP_READ);
        assertThat(resumes.get()).as("no socket event will come: the transport asks for the read").isEqualTo(1);
        transport.interest(SelectionKey.OP_READ);
        assertThat(resumes.get()).as("once").isEqualTo(1);
        assertThat(serverRead()).isEqualTo(-1);
        assertThat(transport.inputEnded()).isTrue();
        out.clear();
    }

    @Test
    void handshakeMessagesAndPlaintextWaitingForThemSetTheInterest() throws IOException {
        assertThat(transport.interest(0)).as("idle after the handshake").isZero();
        assertThat(transport.interest(SelectionKey.OP_WRITE)).isEqualTo(SelectionKey.OP_WRITE);
        transport.codec().closeOutbound();
        assertThat(transport.interest(SelectionKey.OP_WRITE) & SelectionKey.OP_WRITE)
                .as("close_notify to send").isNotZero();
        assertThat(transport.flush()).isTrue();
        assertThat(transport.interest(SelectionKey.OP_WRITE)).as("no plaintext after close_notify").isZero();
    }
}
