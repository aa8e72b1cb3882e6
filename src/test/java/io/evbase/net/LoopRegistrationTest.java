package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.support.Clients;
import io.evbase.support.LineEchoHandler;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A connection and its loop registration: a selector rebuild that cannot move a connection's registration closes
 * the connection (counted), and a socket that dies before the loop registers it is closed and released without
 * any handler callback.
 */
class LoopRegistrationTest {

    /** Line echo that remembers its connections and counts its open and close callbacks. */
    static final class Recording implements ProtocolHandler<Session> {
        final LineEchoHandler echo = new LineEchoHandler();
        final Queue<Connection> opened = new ConcurrentLinkedQueue<>();
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final Queue<CloseReason> reasons = new ConcurrentLinkedQueue<>();

        @Override
        public Session open(Connection c) {
            opens.incrementAndGet();
            opened.add(c);
            return new Session() {
                @Override
                public void onRead() {
                    echo.onRead(c);
                }

                @Override
                public void onClose(CloseReason reason) {
                    closes.incrementAndGet();
                    reasons.add(reason);
                }
            };
        }
    }

    @Test
    void aConnectionWhoseRegistrationARebuildCannotMoveIsClosedAndCounted() throws Exception {
        Recording handler = new Recording();
        Server server = new Server(new EventBaseGroup(1, "rebuild-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("line", 0, handler)));
        server.start();
        Logger eventBaseLog = Logger.getLogger(EventBase.class.getName());
        Level level = eventBaseLog.getLevel();
        try (Socket kept = Clients.connect(server.listener("line").port());
                Socket lost = Clients.connect(server.listener("line").port())) {
            BoundListener listener = server.listener("line");
            EventBase loop = server.group().loops().get(0);
            assertThat(roundTrip(kept, "a")).isEqualTo("a\n");
            assertThat(roundTrip(lost, "b")).isEqualTo("b\n");
            assertThat(handler.opened).hasSize(2);
            Connection lostConnection = handler.opened.stream()
                    .filter(c -> c.remoteAddress().getPort() == lost.getLocalPort()).findFirst().orElseThrow();
            // Closed behind the connection's back: the selector never reports a closed channel, so only the
            // rebuild, which cannot move it, finds out.
            lostConnection.channel().close();
            eventBaseLog.setLevel(Level.OFF); // the rebuild's warning is expected
            loop.rebuildSelector();

            await().atMost(Duration.ofSeconds(10)).until(() -> handler.closes.get() == 1);
            assertThat(handler.reasons).containsExactly(CloseReason.RESET);
            assertThat(listener.closed(CloseReason.RESET)).isEqualTo(1);
            assertThat(listener.openConnections()).isEqualTo(1);
            assertThat(loop.registeredChannels()).isEqualTo(1);
            assertThat(server.openConnections(loop)).isEqualTo(1);
            assertThat(loop.selectorRebuilds()).isEqualTo(1);
            assertThat(roundTrip(kept, "still here")).isEqualTo("still here\n");
        } finally {
            eventBaseLog.setLevel(level);
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aSocketThatDiesBeforeItIsRegisteredIsReleasedWithoutCallbacks() throws Exception {
        Recording handler = new Recording();
        EventBase loop = new EventBase(0, "open-").start();
        BufferPool pool = new BufferPool(4096, 1 << 16, 1 << 20);
        LoopConnections connections = new LoopConnections(loop, pool, new AtomicLong());
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            BoundListener listener = new BoundListener(ListenerSpec.of("line", 0, handler), server,
                    (InetSocketAddress) server.getLocalAddress());
            try (Socket client = Clients.connect(listener.port())) {
                SocketChannel socket = server.accept();
                assertThat(listener.tryOpen()).isTrue();
                assertThat(loop.tryReserveHandOff(16)).isTrue();
                socket.close(); // dies between the acceptor's hand-off and the loop's open
                loop.execute(() -> connections.open(socket, listener));

                await().atMost(Duration.ofSeconds(10)).until(() -> connections.pendingHandOffs() == 0);
                await().atMost(Duration.ofSeconds(10)).until(() -> listener.closed(CloseReason.RESET) == 1);
                assertThat(listener.openConnections()).as("the listener slot is released").isZero();
                assertThat(connections.openCount()).as("never in the open list").isZero();
                assertThat(loop.registeredChannels()).isZero();
                assertThat(handler.opens.get()).as("no onOpen").isZero();
                assertThat(handler.closes.get()).as("no onClose for an open that never happened").isZero();
                assertThat(client.getInputStream().read()).as("the peer sees the socket closed").isEqualTo(-1);
            }
        } finally {
            loop.shutdown();
            assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    private static String roundTrip(Socket s, String line) throws Exception {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(bytes);
        return new String(Clients.readN(s.getInputStream(), bytes.length), StandardCharsets.US_ASCII);
    }
}
