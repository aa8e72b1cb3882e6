package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.CloseReason;
import io.evbase.net.Connection;
import io.evbase.net.BoundListener;
import io.evbase.net.BoundListener.RejectReason;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A handler that throws, from any callback, closes only its own connection; the loops, the
 * acceptor and every other connection go on. A loop that stalls does not stop the acceptor from serving the others.
 */
class IsolationTest {

    /** Throws from the callback each connection's first line names; otherwise a line echo. */
    static final class FaultyHandler implements ProtocolHandler<Session> {
        private final LineEchoHandler lines = new LineEchoHandler();
        private final boolean throwOnOpen;
        private final boolean throwOnClose;

        FaultyHandler(boolean throwOnOpen, boolean throwOnClose) {
            this.throwOnOpen = throwOnOpen;
            this.throwOnClose = throwOnClose;
        }

        @Override
        public Session open(Connection c) {
            if (throwOnOpen) {
                throw new IllegalStateException("open fails");
            }
            return new Session() {
                @Override
                public void onRead() {
                    FaultyHandler.this.onRead(c);
                }

                @Override
                public void onWritabilityChanged(boolean writable) {
                    throw new IllegalStateException("onWritabilityChanged fails");
                }

                @Override
                public boolean onInputClosed() {
                    throw new IllegalStateException("onInputClosed fails");
                }

                @Override
                public void onClose(CloseReason reason) {
                    if (throwOnClose) {
                        throw new IllegalStateException("onClose must not throw, but does");
                    }
                }
            };
        }

        private void onRead(Connection c) {
            if (c.input().readableBytes() >= 5 && "error".equals(c.input().toAscii(0, 5))) {
                throw new AssertionError("an Error, not an Exception");
            }
            if (c.input().readableBytes() >= 4 && "flood".equals(c.input().toAscii(0, 4) + "d")) {
                // Reply far above the write watermark so that writability changes, whose callback throws.
                c.input().skip(c.input().readableBytes());
                c.output().write(new byte[8 << 20]); // beyond any kernel send buffer (at most 4 MiB here)
                return;
            }
            lines.onRead(c); // "boom" throws IllegalStateException
        }

        @Override
        public byte[] tooManyConnectionsReply() {
            throw new IllegalStateException("tooManyConnectionsReply fails (on the acceptor thread)");
        }
    }

    @Test
    void aThrowingHandlerClosesOnlyItsConnection() throws Exception {
        ListenerSpec faulty = new ListenerSpec("faulty", "faulty", "127.0.0.1", 0, 1024,
                new FaultyHandler(false, true), Duration.ZERO, Duration.ZERO, Duration.ZERO, 1 << 20, 64 << 10,
                16 << 10, 10_000, 128, null);
        ListenerSpec openFails = ListenerSpec.of("open-fails", 0, new FaultyHandler(true, false));
        ListenerSpec refusalFails = ListenerSpec.of("refusal-fails", 0, new FaultyHandler(false, false))
                .withMaxConnections(1);
        ListenerSpec line = ListenerSpec.of("line", 0, new LineEchoHandler());
        BufferPool pool = new BufferPool(4096, 1 << 16, 1 << 20);
        Server server = new Server(new EventBaseGroup(2, "iso-", Dispatch.ROUND_ROBIN), pool,
                List.of(faulty, openFails, refusalFails, line), 4096, Duration.ofMillis(100));
        server.start();
        ExecutorService threads = Executors.newCachedThreadPool();
        AtomicBoolean stop = new AtomicBoolean();
        try (LogCapture log = LogCapture.start("io.evbase")) {
            // Bystanders on both loops keep a request/reply conversation going the whole time.
            int bystanders = 20;
            AtomicLong bystanderReplies = new AtomicLong();
            List<Future<?>> talk = new ArrayList<>();
            for (int i = 0; i < bystanders; i++) {
                int id = i;
                talk.add(threads.submit(() -> converse(server.listener("line").port(), id, stop, bystanderReplies)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> bystanderReplies.get() > 100);

            int port = server.listener("faulty").port();
            BoundListener f = server.listener("faulty");
            int rounds = 20;
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                // onRead throws an exception, onRead throws an Error, onInputClosed throws, onWritabilityChanged throws.
                expectClosed(port, "boom\n", false, null);
                expectClosed(port, "error\n", false, null);
                expectClosed(port, "fine\n", true, null);
                long failed = f.closed(CloseReason.HANDLER_ERROR);
                // The client reads only once the reply made the connection unwritable (and the callback threw).
                expectClosed(port, "flood\n", false, () -> f.closed(CloseReason.HANDLER_ERROR) > failed);
                // onOpen throws.
                expectClosed(server.listener("open-fails").port(), "hello\n", false, null);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> f.closed(CloseReason.HANDLER_ERROR) == 4L * rounds);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> server.listener("open-fails").closed(CloseReason.HANDLER_ERROR) == rounds);

            // tooManyConnectionsReply throws on the acceptor thread: the client over the limit is still refused, and
            // the acceptor still accepts on every listener afterwards.
            try (Socket first = Clients.connect(server.listener("refusal-fails").port())) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("refusal-fails").openConnections() == 1);
                for (int i = 0; i < 5; i++) {
                    try (Socket over = Clients.connect(server.listener("refusal-fails").port())) {
                        assertThat(readToEndOrReset(over.getInputStream())).isEmpty();
                    }
                }
                // Counted after the refusal went out: the client may see the close first.
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> server.listener("refusal-fails").rejected(RejectReason.LIMIT) == 5);
            }
            long faultMillis = (System.nanoTime() - start) / 1_000_000;
            try (Socket s = Clients.connect(server.listener("line").port())) {
                assertThat(HandOffBoundTest.answers(s, "acceptor alive", 5000)).isTrue();
            }

            long repliesBefore = bystanderReplies.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> bystanderReplies.get() > repliesBefore + 100);
            stop.set(true);
            for (Future<?> t : talk) {
                t.get(30, TimeUnit.SECONDS); // a bystander that lost its connection or a reply fails here
            }
            for (EventBase loop : server.group().loops()) {
                assertThat(loop.isTerminated()).isFalse();
            }
            assertThat(server.listener("line").closed(CloseReason.HANDLER_ERROR)).isZero();
            assertThat(server.listener("line").closed(CloseReason.RESET)).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.inUseBytes() == 0);
            assertThat(log.escapes()).isEmpty();
            Figures.print("9 isolation (handler exceptions)",
                    "%d throwing connections (onOpen, onRead exception and Error, onInputClosed, onWritabilityChanged,"
                            + " onClose) and 5 refusals whose reply callback threw, in %d ms: each closed alone"
                            + " (handler_error faulty=%d, open-fails=%d); %d bystanders on both loops got all %d replies,"
                            + " 0 closed; loops and acceptor alive; pool in use back to 0",
                    5 * rounds, faultMillis, f.closed(CloseReason.HANDLER_ERROR),
                    server.listener("open-fails").closed(CloseReason.HANDLER_ERROR), bystanders,
                    bystanderReplies.get());
        } finally {
            stop.set(true);
            threads.shutdownNow();
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aStalledLoopDoesNotStopTheAcceptorFromServingTheOtherLoops() throws Exception {
        // One loop is stalled by a handler that blocks (what the design forbids, and what a bug does anyway).
        CountDownLatch release = new CountDownLatch(1);
        LineEchoHandler lines = new LineEchoHandler();
        ProtocolHandler<Session> stalling = c -> () -> {
            if (c.input().readableBytes() >= 5 && "stall".equals(c.input().toAscii(0, 5))) {
                c.input().skip(c.input().readableBytes());
                release.await(20, TimeUnit.SECONDS);
                return;
            }
            lines.onRead(c);
        };
        Duration stallThreshold = Duration.ofMillis(200);
        Server server = new Server(new EventBaseGroup(2, "stall-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("line", 0, stalling)), 4096,
                Duration.ofMillis(100), stallThreshold);
        server.start();
        List<Socket> clients = new ArrayList<>();
        try (LogCapture log = LogCapture.start("io.evbase")) {
            int port = server.listener("line").port();
            Socket staller = Clients.connect(port);
            clients.add(staller);
            staller.getOutputStream().write("stall\n".getBytes(StandardCharsets.US_ASCII));
            EventBase stalled = server.group().loops().get(0);
            // Once it is past the stall threshold the acceptor gives it no new connection while loop 1 has room.
            await().atMost(Duration.ofSeconds(5)).until(() -> stalled.workStartNanos() != 0
                    && System.nanoTime() - stalled.workStartNanos() > stallThreshold.toNanos() + 50_000_000L);

            int n = 40;
            int servedAtOnce = 0;
            long worstNanos = 0;
            for (int i = 0; i < n; i++) {
                Socket s = Clients.connect(port);
                clients.add(s);
                long t0 = System.nanoTime();
                if (HandOffBoundTest.answers(s, "during " + i, 150)) {
                    servedAtOnce++;
                    worstNanos = Math.max(worstNanos, System.nanoTime() - t0);
                }
            }
            int waiting = n - servedAtOnce;
            release.countDown();
            for (int i = 1; i < clients.size(); i++) {
                Socket s = clients.get(i);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("after\n".getBytes(StandardCharsets.US_ASCII));
            }
            for (int i = 1; i < clients.size(); i++) {
                String all = new String(Clients.readN(clients.get(i).getInputStream(), 0), StandardCharsets.US_ASCII);
                assertThat(all).isEmpty();
            }
            for (int i = 1; i < clients.size(); i++) {
                InputStream in = clients.get(i).getInputStream();
                StringBuilder got = new StringBuilder();
                while (!got.toString().endsWith("after\n")) {
                    int b = in.read();
                    assertThat(b).isNotNegative();
                    got.append((char) b);
                }
            }
            assertThat(log.escapes()).isEmpty();
            Figures.print("9 isolation (stalled loop)",
                    "loop 0 blocked by its handler past the stall threshold (%d ms): of %d new connections %d were"
                            + " served at once by loop 1 (slowest first round trip %.1f ms), %d waited for loop 0;"
                            + " every one answered after the stall",
                    stallThreshold.toMillis(), n, servedAtOnce, worstNanos / 1e6, waiting);
            assertThat(servedAtOnce).as("connections served while loop 0 was stalled").isEqualTo(n);
        } finally {
            release.countDown();
            for (Socket s : clients) {
                s.close();
            }
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    /** A bystander: line after line, each echoed, until told to stop. Fails on any lost reply or connection. */
    private static Void converse(int port, int id, AtomicBoolean stop, AtomicLong replies) throws IOException {
        try (Socket s = Clients.connect(port)) {
            for (int seq = 0; !stop.get(); seq++) {
                byte[] line = ("bystander " + id + " " + seq + "\n").getBytes(StandardCharsets.US_ASCII);
                s.getOutputStream().write(line);
                byte[] got = Clients.readN(s.getInputStream(), line.length);
                if (!Arrays.equals(got, line)) {
                    throw new AssertionError("bystander " + id + " got " + new String(got, StandardCharsets.US_ASCII));
                }
                replies.incrementAndGet();
            }
        }
        return null;
    }

    /** Sends {@code request} (half-closing after it if asked) and expects the server to close the connection. */
    private static void expectClosed(int port, String request, boolean halfClose,
            java.util.concurrent.Callable<Boolean> beforeReading) throws IOException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024); // so that a big reply stays queued in the server
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            if (halfClose) {
                s.shutdownOutput();
            }
            if (beforeReading != null) {
                await().atMost(Duration.ofSeconds(10)).until(beforeReading);
            }
            readToEndOrReset(s.getInputStream());
        }
    }

    private static byte[] readToEndOrReset(InputStream in) throws IOException {
        try {
            return Clients.readToEnd(in);
        } catch (SocketException reset) {
            return new byte[0];
        }
    }
}
