package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.BoundListener.RejectReason;
import io.evbase.support.Clients;
import io.evbase.support.LineEchoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The listener's counters as Prometheus reads them: accepted, rejected and closed only ever grow, and every
 * connection ends in exactly one of accepted or rejected; a socket no loop takes is closed and its places given
 * back.
 */
class AcceptCountersTest {

    @Test
    void aSocketNoLoopTakesIsCountedRejectedAndAcceptedNeverGoesDown() throws Exception {
        try (ServerSocketChannel channel = ServerSocketChannel.open()) {
            channel.bind(new InetSocketAddress("127.0.0.1", 0));
            BoundListener listener = new BoundListener(ListenerSpec.of("line", 0, new LineEchoHandler()), channel,
                    (InetSocketAddress) channel.getLocalAddress());
            // The acceptor's steps for a socket it sheds: take a place, find no loop, give the place back.
            assertThat(listener.tryOpen()).isTrue();
            long duringHandOff = listener.accepted();
            listener.cancelOpen(RejectReason.OVERLOAD);
            assertThat(listener.accepted()).as("a counter never goes down").isGreaterThanOrEqualTo(duringHandOff)
                    .isZero();
            assertThat(listener.rejected(RejectReason.OVERLOAD)).isEqualTo(1);
            assertThat(listener.openConnections()).isZero();
            // And for one a loop takes.
            assertThat(listener.tryOpen()).isTrue();
            listener.countAccepted();
            assertThat(listener.accepted()).isEqualTo(1);
            assertThat(listener.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void aHandOffToAStoppedLoopClosesTheSocketAndReleasesItsPlaces() throws Exception {
        Server server = new Server(new EventBaseGroup(1, "stopped-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("line", 0, new LineEchoHandler())));
        server.start();
        try {
            BoundListener listener = server.listener("line");
            EventBase loop = server.group().loops().get(0);
            loop.shutdown(); // the loop is gone while the acceptor still accepts
            assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();
            try (Socket s = Clients.connect(listener.port())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> listener.rejected(RejectReason.SHUTDOWN) == 1);
                assertThat(closedByServer(s)).as("the socket is closed, not left in a queue nobody reads").isTrue();
            }
            assertThat(listener.accepted()).isZero();
            assertThat(listener.openConnections()).as("the listener place is given back").isZero();
            assertThat(server.pendingHandOffs(loop)).as("the hand-off place is given back").isZero();
        } finally {
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    private static boolean closedByServer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }
}
