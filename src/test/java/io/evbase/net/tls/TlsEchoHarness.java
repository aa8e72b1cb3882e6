package io.evbase.net.tls;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.loop.IoHandle;
import io.evbase.loop.IoRegistration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TLS echo server made of one {@link EventBase} and {@link TlsTransport}s, without {@code Connection}: the
 * transport over real sockets, for real clients (a JDK {@code SSLSocket}, OpenSSL, Python). Echoes what it
 * decrypts; answers the peer's close_notify (or end of stream) with its own and closes.
 *
 * <p>Threading: an acceptor thread takes sockets and hands them to the loop, which does everything else.
 */
final class TlsEchoHarness implements AutoCloseable {

    final ListenerTls tls;
    final EventBase loop = new EventBase(0, "tls-harness").start();
    final BufferPool pool = new BufferPool(16384, 1 << 20, 16 << 20);
    final BufferPool.Cache cache = pool.newCache("tls-harness");
    final ServerSocketChannel server;
    final ConcurrentLinkedQueue<TlsFailure> failures = new ConcurrentLinkedQueue<>();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    private final Thread acceptor;

    TlsEchoHarness(ListenerTls tls) throws IOException {
        this.tls = tls;
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 4096);
        acceptor = new Thread(this::acceptLoop, "tls-harness-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel s = server.accept();
                s.configureBlocking(false);
                accepted.incrementAndGet();
                loop.execute(() -> new Echo(s).open());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(5000);
        loop.shutdown();
        loop.awaitTermination(Duration.ofSeconds(5));
    }

    /** One echoing connection. */
    private final class Echo implements IoHandle {
        private final SocketChannel socket;
        private final BufferChain plain = new BufferChain(cache);
        private TlsTransport transport;
        private IoRegistration registration;
        private boolean ending;
        private boolean done;

        Echo(SocketChannel socket) {
            this.socket = socket;
        }

        void open() {
            try {
                InetSocketAddress peer = (InetSocketAddress) socket.getRemoteAddress();
                transport = new TlsTransport(tls, socket, peer, cache, loop,
                        () -> loop.execute(this::resumed), this::timedOut);
                registration = loop.register(socket, SelectionKey.OP_READ, this);
            } catch (IOException e) {
                close();
                return;
            }
            update();
        }

        private void resumed() {
            if (done) {
                return;
            }
            transport.resumed();
            read();
        }

        private void timedOut() {
            failures.add(TlsFailure.TIMEOUT);
            close();
        }

        @Override
        public void handleIo(int readyOps) {
            if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                write();
            }
            if (!done && (readyOps & SelectionKey.OP_READ) != 0) {
                read();
            }
        }

        private void read() {
            try {
                int n = transport.read(plain, 1 << 20, (into, max) -> {
                    int r = into.readFrom(socket, max);
                    return r == BufferChain.NO_MEMORY ? 0 : r;
                });
                if (n < 0) {
                    ending = true;
                }
            } catch (TlsFailureException e) {
                failures.add(e.reason());
                close();
                return;
            } catch (IOException e) {
                close();
                return;
            }
            write();
        }

        private void write() {
            if (done) {
                return;
            }
            try {
                transport.write(plain::writeTo);
                if (ending && plain.isEmpty() && !transport.codec().isOutboundClosed()) {
                    transport.closeOutbound();
                }
                if (ending && plain.isEmpty() && !transport.hasPendingOutput()) {
                    close();
                    return;
                }
            } catch (TlsFailureException e) {
                failures.add(e.reason());
                close();
                return;
            } catch (IOException e) {
                close();
                return;
            }
            update();
        }

        private void update() {
            if (!done) {
                registration.interestOps(transport.interest(
                        (ending ? 0 : SelectionKey.OP_READ) | (plain.isEmpty() ? 0 : SelectionKey.OP_WRITE)));
            }
        }

        @Override
        public void handleFailure(Throwable cause) {
            close();
        }

        @Override
        public void registrationLost(Throwable cause) {
            close();
        }

        private void close() {
            if (done) {
                return;
            }
            done = true;
            if (transport != null) {
                try {
                    transport.flush(); // an alert, if the socket takes it
                } catch (IOException ignored) {
                    // gone
                }
                transport.release();
            }
            if (registration != null) {
                registration.cancel();
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            plain.clear();
            closed.incrementAndGet();
        }
    }
}
