package io.evbase.net.tls;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Many TLS clients on one thread: non-blocking sockets, one selector, and {@link TlsCodec}s in client mode, so ten
 * thousand connections cost the client a few kilobytes each (a JDK {@code SSLSocket} holds tens). Each connection
 * handshakes, sends one line and waits for its echo; then it stays open, idle, until {@link #close()}.
 *
 * <p>Threading: one thread (the caller's) does everything, delegated tasks included (they run when the codec hands
 * them over, the codec resumes on the next pass).
 */
final class TlsClientFleet implements AutoCloseable {

    private static final byte[] LINE = "x\n".getBytes(StandardCharsets.US_ASCII);

    private final BufferPool pool = new BufferPool(16384, 4 << 20, 16 << 20, 1L << 30);
    private final BufferPool.Cache cache = pool.newCache("fleet");
    private final TlsStaging staging = new TlsStaging();
    private final SSLContext context;
    private final InetSocketAddress server;
    private final Selector selector;
    private final List<Client> clients = new ArrayList<>();
    private int echoed;
    private int failed;

    TlsClientFleet(SSLContext context, InetSocketAddress server) throws IOException {
        this.context = context;
        this.server = server;
        this.selector = Selector.open();
    }

    /** Connections whose line came back. */
    int echoed() {
        return echoed;
    }

    /** Connections that failed (handshake, reset). */
    int failed() {
        return failed;
    }

    int size() {
        return clients.size();
    }

    /**
     * Opens {@code count} more connections at once (their handshakes all in flight together) and drives them until
     * each has its echo or failed, or {@code timeoutMillis} passed.
     *
     * @return true if every new connection got its echo
     */
    boolean open(int count, long timeoutMillis) throws IOException {
        int target = echoed + count;
        int failedBefore = failed;
        for (int i = 0; i < count; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Client c = new Client(ch);
            clients.add(c);
            if (ch.connect(server)) {
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
                c.pump();
            } else {
                c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (echoed + (failed - failedBefore) < target && System.currentTimeMillis() < deadline) {
            selector.select(50);
            for (SelectionKey k : selector.selectedKeys()) {
                Client c = (Client) k.attachment();
                try {
                    if (k.isConnectable()) {
                        c.channel.finishConnect();
                    }
                    c.pump();
                } catch (IOException e) {
                    c.fail();
                }
            }
            selector.selectedKeys().clear();
            for (Client c : clients) {
                if (c.resumePending) {
                    try {
                        c.pump();
                    } catch (IOException e) {
                        c.fail();
                    }
                }
            }
        }
        return echoed == target && failed == failedBefore;
    }

    @Override
    public void close() throws IOException {
        for (Client c : clients) {
            c.release();
        }
        selector.close();
    }

    /** One client connection. */
    private final class Client {
        final SocketChannel channel;
        final BufferChain plainIn = new BufferChain(cache);
        final BufferChain plainOut = new BufferChain(cache);
        final TlsCodec codec;
        SelectionKey key;
        boolean resumePending;
        boolean sent;
        boolean done;

        Client(SocketChannel channel) {
            this.channel = channel;
            SSLEngine engine = context.createSSLEngine("localhost", server.getPort());
            engine.setUseClientMode(true);
            codec = new TlsCodec(engine, new BufferChain(cache), new BufferChain(cache), staging, Runnable::run,
                    () -> resumePending = true, new TlsStats());
        }

        void pump() throws IOException {
            if (done) {
                return;
            }
            if (resumePending) {
                resumePending = false;
                codec.resumed();
            }
            if (channel.isConnected()) {
                int n = codec.networkIn().readFrom(channel, codec.networkInRoom());
                if (n == -1) {
                    fail();
                    return;
                }
            }
            codec.process(plainIn, Long.MAX_VALUE);
            if (codec.isHandshakeComplete() && !sent) {
                plainOut.write(LINE);
                sent = true;
            }
            plainOut.writeTo(codec.plaintextSink());
            if (channel.isConnected()) {
                codec.writeNetworkOutput(channel);
            }
            if (codec.state() == TlsCodec.State.FAILED) {
                fail();
                return;
            }
            if (plainIn.readableBytes() >= LINE.length) {
                plainIn.clear();
                done = true;
                echoed++;
            }
            if (channel.isConnected()) {
                key.interestOps(SelectionKey.OP_READ | (codec.hasNetworkOutput() ? SelectionKey.OP_WRITE : 0));
            }
        }

        void fail() {
            if (!done) {
                done = true;
                failed++;
            }
            release();
        }

        void release() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
            plainIn.clear();
            plainOut.clear();
            codec.networkIn().clear();
            codec.networkOut().clear();
        }
    }
}
