package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.support.AsyncLinesHandler;
import io.evbase.support.Clients;
import io.evbase.support.LogCapture;
import io.evbase.support.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Replies answered later (from another thread, from blocking work) keep request order; the requests in flight are
 * bounded; replies held behind a pending one count toward the write watermark; a failure of the work behind a reply
 * reaches the session, not the loop; a half-close keeps every reply; a session that keeps a half-closed connection
 * open is asked again when its last reply is out.
 */
class OrderedRepliesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void repliesCompletedOutOfOrderReachThePeerInRequestOrder() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        try (TestServer ts = TestServer.start("async", handler, l -> l); Socket s = Clients.connect(ts.port)) {
            send(s, "wait a\nnow b\nwait c\nnow d\nslow 50 e\nnow f\n");
            await().atMost(WAIT).until(() -> handler.requests.get() == 6);
            BufferedReader in = reader(s);
            handler.pending.get("c").complete("c\n"); // the later one first: nothing may come out yet
            await().atMost(WAIT).until(() -> outputBytes(ts) == "b\nc\nd\ne\nf\n".length()); // all held behind a
            assertThat(s.getInputStream().available()).isZero();
            handler.pending.get("a").complete("a\n");
            assertThat(lines(in, 6)).containsExactly("a", "b", "c", "d", "e", "f");
        }
    }

    @Test
    void atTheBoundOnRequestsInFlightReadingAndServingPause() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        try (TestServer ts = TestServer.start("async", handler, l -> l.withMaxRequestsInFlight(2));
                Socket s = Clients.connect(ts.port)) {
            send(s, "wait 1\nwait 2\nwait 3\nnow 4\nwait 5\n");
            await().atMost(WAIT).until(() -> handler.pending.size() == 2);
            // The rest is read but not served: it waits in the input until a reply is written.
            await().atMost(WAIT).until(() -> inputBytes(ts) == "wait 3\nnow 4\nwait 5\n".length());
            assertThat(handler.requests.get()).isEqualTo(2);
            handler.pending.get("2").complete("2\n"); // not at the head: still two in flight
            await().atMost(WAIT).until(() -> outputBytes(ts) == "2\n".length());
            assertThat(handler.requests.get()).isEqualTo(2);
            handler.pending.get("1").complete("1\n");
            await().atMost(WAIT).until(() -> handler.pending.size() == 4);
            handler.pending.get("3").complete("3\n");
            handler.pending.get("5").complete("5\n");
            assertThat(lines(reader(s), 5)).containsExactly("1", "2", "3", "4", "5");
            assertThat(handler.maxInFlight.get()).isEqualTo(2);
        }
    }

    @Test
    void repliesHeldBehindAPendingOneCountTowardTheWriteHighWatermark() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        int high = 64 * 1024;
        int reply = 16 * 1024;
        try (TestServer ts = TestServer.start("async", handler,
                l -> l.withWatermarks(1 << 20, high, high / 4));
                Socket s = Clients.connect(ts.port)) {
            StringBuilder requests = new StringBuilder("wait head\n");
            int bigs = 40; // 640 KiB of replies behind the pending one if nothing held them back
            for (int i = 0; i < bigs; i++) {
                requests.append("big ").append(reply).append(' ').append(i).append('\n');
            }
            send(s, requests.toString());
            // The handler stops once the held replies pass the high watermark: about five of them, not forty.
            await().atMost(WAIT).until(() -> handler.requests.get() > 1 && inputBytes(ts) > 0);
            long held = outputBytes(ts);
            assertThat(handler.requests.get() - 1).isLessThan(bigs).isLessThanOrEqualTo(high / reply + 1);
            assertThat(held).isGreaterThan(high).isLessThanOrEqualTo(high + reply + 16);
            handler.pending.get("head").complete("head\n");
            BufferedReader in = reader(s);
            assertThat(in.readLine()).isEqualTo("head");
            for (int i = 0; i < bigs; i++) {
                String line = in.readLine();
                assertThat(line).hasSize(reply + String.valueOf(i).length()).endsWith(String.valueOf(i));
            }
        }
    }

    @Test
    void aFailureInBlockingWorkReachesTheSessionHookInOrderAndTheConnectionGoesOn() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        try (LogCapture log = LogCapture.start("io.evbase");
                TestServer ts = TestServer.start("async", handler, l -> l); Socket s = Clients.connect(ts.port)) {
            send(s, "slow 30 a\nfail boom\nnow c\n");
            BufferedReader in = reader(s);
            assertThat(lines(in, 3)).containsExactly("a", "failed boom", "c");
            send(s, "now d\n");
            assertThat(in.readLine()).isEqualTo("d");
            assertThat(log.atLeast(Level.WARNING)).isEmpty(); // neither the loop nor the connection saw the exception
        }
    }

    @Test
    void afterAHalfCloseEveryRequestReceivedIsAnsweredThenTheConnectionCloses() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        try (TestServer ts = TestServer.start("async", handler, l -> l); Socket s = Clients.connect(ts.port)) {
            send(s, "now 1\nnow 2\nslow 200 3\nnow 4\nwait 5\nnow 6\n");
            s.shutdownOutput();
            await().atMost(WAIT).until(() -> handler.inputClosedCalls.get() == 1 && handler.pending.containsKey("5"));
            handler.pending.get("5").complete("5\n");
            assertThat(new String(Clients.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII))
                    .isEqualTo("1\n2\n3\n4\n5\n6\n");
            await().atMost(WAIT).until(() -> handler.closes.containsValue(CloseReason.PEER_CLOSED));
        }
    }

    @Test
    void aSessionThatKeepsAHalfClosedConnectionOpenIsAskedAgainWhenItsLastReplyIsOut() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler(true);
        try (TestServer ts = TestServer.start("async", handler, l -> l); Socket s = Clients.connect(ts.port)) {
            send(s, "wait 1\nnow 2\n");
            s.shutdownOutput();
            await().atMost(WAIT).until(() -> handler.inputClosedCalls.get() == 1);
            assertThat(ts.server.listener("async").openConnections()).isEqualTo(1);
            handler.pending.get("1").complete("1\n");
            assertThat(new String(Clients.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII))
                    .isEqualTo("1\n2\n");
            assertThat(handler.inputClosedCalls.get()).isEqualTo(2);
        }
    }

    @Test
    void aReplyForAConnectionThatIsGoneIsReportedUndeliverable() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        try (TestServer ts = TestServer.start("async", handler, l -> l)) {
            try (Socket s = Clients.connect(ts.port)) {
                send(s, "wait x\n");
                await().atMost(WAIT).until(() -> handler.pending.containsKey("x"));
                s.setSoLinger(true, 0); // a reset: gone (a FIN would be a half-close, whose replies are still due)
            }
            await().atMost(WAIT).until(() -> ts.server.listener("async").openConnections() == 0);
            assertThat(handler.pending.get("x").complete("x\n")).isFalse();
        }
    }

    @Test
    void aReplyOrATaskForALoopThatHasStoppedIsRefusedToItsPosterNotDropped() throws Exception {
        AsyncLinesHandler handler = new AsyncLinesHandler();
        EventBase loop = new EventBase(0, "stopping-").start();
        LoopConnections connections = new LoopConnections(loop, new BufferPool(4096, 1 << 16, 1 << 20),
                new AtomicLong());
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            BoundListener listener = new BoundListener(ListenerSpec.of("async", 0, handler), server,
                    (InetSocketAddress) server.getLocalAddress());
            try (Socket client = Clients.connect(listener.port())) {
                SocketChannel socket = server.accept();
                assertThat(listener.tryOpen()).isTrue();
                assertThat(loop.tryReserveHandOff(16)).isTrue();
                loop.execute(() -> connections.open(socket, listener));
                send(client, "wait x\n");
                await().atMost(WAIT).until(() -> handler.pending.containsKey("x"));
                // The loop stops with the connection still open (no server closed it first): what is posted to it
                // now can never run.
                loop.shutdown();
                assertThat(loop.awaitTermination(WAIT)).isTrue();
                assertThat(handler.pending.get("x").complete("x\n")).isFalse();
                socket.close();
            }
        } finally {
            loop.shutdown();
        }
    }

    private static long inputBytes(TestServer ts) {
        return ts.server.connections(WAIT).stream().mapToLong(ConnectionInfo::inputBytes).sum();
    }

    private static long outputBytes(TestServer ts) {
        return ts.server.connections(WAIT).stream().mapToLong(ConnectionInfo::outputBytes).sum();
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static List<String> lines(BufferedReader in, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(in.readLine());
        }
        return lines;
    }
}
