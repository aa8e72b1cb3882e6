package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.loop.EventBase;
import io.evbase.net.CloseReason;
import io.evbase.net.Connection;
import io.evbase.net.BoundListener;
import io.evbase.net.ListenerSpec;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import io.evbase.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Peers that reset in the middle of a reply, half-close, or connect and leave at once, in floods.
 * No exception escapes a loop, every chunk goes back to the pool (in use returns to its baseline), every accepted
 * connection is counted closed with its reason, and the server goes on serving.
 */
class AbruptPeersTest {

    private static final int REPLY = 4 << 20;

    /** Line protocol plus "big": a 4 MiB reply, so that a reset finds output queued in the server. */
    static final class BigReplyHandler implements ProtocolHandler<Session> {
        private final LineEchoHandler lines = new LineEchoHandler();
        private static final byte[] BLOCK = new byte[64 * 1024];

        @Override
        public Session open(Connection c) {
            return () -> onRead(c);
        }

        private void onRead(Connection c) {
            if (c.input().readableBytes() >= 4 && "big\n".equals(c.input().toAscii(0, 4))) {
                c.input().skip(4);
                for (int i = 0; i < REPLY / BLOCK.length; i++) {
                    c.output().write(BLOCK);
                }
            }
            lines.onRead(c);
        }
    }

    @Test
    void resetsHalfClosesAndConnectCloseFloodsLeaveNothingBehind() throws Exception {
        ListenerSpec config = ListenerSpec.of("big", 0, new BigReplyHandler());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (LogCapture log = LogCapture.start("io.evbase"); TestServer ts = TestServer.start(config, 2, 16 * 1024)) {
            BoundListener listener = ts.server.listener("big");
            long baseline = ts.pool().inUseBytes();

            // 1. Reset in the middle of a 4 MiB reply: the server holds output when the reset comes.
            int resets = 100;
            long maxHeld = 0;
            for (int i = 0; i < resets; i++) {
                try (Socket s = new Socket()) {
                    s.setReceiveBufferSize(16 * 1024);
                    s.connect(new InetSocketAddress("127.0.0.1", ts.port), 5000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("big\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(Clients.readN(s.getInputStream(), 32 * 1024)).hasSize(32 * 1024);
                    maxHeld = Math.max(maxHeld, ts.server.outputBytes());
                    s.setSoLinger(true, 0); // RST on close
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.closed(CloseReason.RESET) == resets);
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == baseline);
            long afterResets = ts.pool().inUseBytes();

            // 2. Half-close: requests, then the end of the client's stream; every reply arrives, then the server's FIN.
            int halfClosers = 200;
            List<Future<Boolean>> half = new ArrayList<>();
            for (int i = 0; i < halfClosers; i++) {
                int id = i;
                half.add(threads.submit(() -> {
                    try (Socket s = Clients.connect(ts.port)) {
                        StringBuilder sent = new StringBuilder();
                        for (int k = 0; k < 20; k++) {
                            sent.append("client ").append(id).append(" line ").append(k).append('\n');
                        }
                        s.getOutputStream().write(sent.toString().getBytes(StandardCharsets.US_ASCII));
                        s.shutdownOutput();
                        return sent.toString().equals(new String(Clients.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII));
                    }
                }));
            }
            int halfOk = 0;
            for (Future<Boolean> f : half) {
                halfOk += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(halfOk).isEqualTo(halfClosers);

            // 3. Connect-and-close floods: leave with a FIN, with a reset, or with a partial request and a reset.
            int flood = 3000;
            long floodStart = System.nanoTime();
            List<Future<?>> floods = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int kind = t % 3;
                floods.add(threads.submit(() -> {
                    for (int i = 0; i < flood / 6; i++) {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("127.0.0.1", ts.port), 5000);
                            if (kind == 2) {
                                s.getOutputStream().write("partial req".getBytes(StandardCharsets.US_ASCII));
                            }
                            if (kind > 0) {
                                s.setSoLinger(true, 0);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : floods) {
                f.get(60, TimeUnit.SECONDS);
            }
            long floodMillis = (System.nanoTime() - floodStart) / 1_000_000;
            long total = resets + halfClosers + flood;
            // Every connection ends: accepted then closed, or refused at the door (OVERLOAD: a loaded machine can
            // fill the loops' hand-off queues during the flood, and the acceptor then sheds, as it must).
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    listener.accepted() + refused(listener) == total && listener.openConnections() == 0)
                    .as("of %d: accepted %d, refused %d (overload %d), open %d", total, listener.accepted(),
                            refused(listener), listener.rejected(BoundListener.RejectReason.OVERLOAD),
                            listener.openConnections())
                    .isTrue());
            assertThat(refused(listener)).as("refusals other than overload")
                    .isEqualTo(listener.rejected(BoundListener.RejectReason.OVERLOAD));
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == baseline);

            Map<CloseReason, Long> byReason = new EnumMap<>(CloseReason.class);
            long closed = 0;
            for (CloseReason r : CloseReason.values()) {
                if (listener.closed(r) > 0) {
                    byReason.put(r, listener.closed(r));
                }
                closed += listener.closed(r);
            }
            assertThat(closed).as("every accepted connection counted closed once").isEqualTo(listener.accepted());
            assertThat(listener.closed(CloseReason.HANDLER_ERROR)).isZero();
            assertThat(ts.server.inputBytes()).isZero();
            assertThat(ts.server.outputBytes()).isZero();
            for (EventBase loop : ts.server.group().loops()) {
                assertThat(loop.isTerminated()).isFalse();
            }
            try (Socket s = Clients.connect(ts.port)) {
                assertThat(HandOffBoundTest.answers(s, "still here", 5000)).isTrue();
            }
            assertThat(log.escapes()).isEmpty();
            Figures.print("6 abrupt peers",
                    "%d resets mid 4 MiB reply (server held up to %d KiB of output at the reset), %d half-closes (all"
                            + " replies complete), %d connect-and-close (FIN, RST, partial request + RST) in %d ms:"
                            + " accepted %d, refused %d, closed by reason %s, open 0; pool in use %d B before, %d B after the"
                            + " resets, %d B at the end; 0 exceptions escaped a loop",
                    resets, maxHeld / 1024, halfClosers, flood, floodMillis, listener.accepted(), refused(listener),
                    byReason,
                    baseline, afterResets, ts.pool().inUseBytes());
        } finally {
            threads.shutdownNow();
        }
    }

    private static long refused(BoundListener listener) {
        long n = 0;
        for (BoundListener.RejectReason r : BoundListener.RejectReason.values()) {
            n += listener.rejected(r);
        }
        return n;
    }

    static byte[] readToEndOrReset(InputStream in) throws IOException {
        try {
            return Clients.readToEnd(in);
        } catch (SocketException reset) {
            return new byte[0];
        }
    }
}
