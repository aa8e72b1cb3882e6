package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.BoundListener;
import io.evbase.net.BoundListener.RejectReason;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import io.evbase.support.LoopHold;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-loop hand-off bound ({@code evbase.hand-off-queue-size}). A loop kept busy stops taking
 * hand-offs once its queue is full and the acceptor gives the connection to the next loop; when every loop's queue
 * is full the connection is shed, closed and counted as rejected {@code overload}. What was queued is served once
 * the loops move again.
 */
class HandOffBoundTest {

    @RegisterExtension
    final LogCapture log = LogCapture.of("io.evbase");

    private static final int QUEUE = 2;

    @Test
    void aFullLoopIsSkippedAndWhenAllAreFullConnectionsAreShedAndCounted() throws Exception {
        // A stall threshold far beyond the test: a held loop is full, not stalled, so only the queue bound decides.
        Server server = new Server(new EventBaseGroup(2, "handoff-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("line", 0, new LineEchoHandler())),
                QUEUE, Duration.ofMillis(100), Duration.ofMinutes(10));
        server.start();
        List<Socket> clients = new ArrayList<>();
        List<LoopHold> holds = new ArrayList<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong decreases = new AtomicLong();
        Thread sampler = null;
        try {
            BoundListener listener = server.listener("line");
            EventBase loop0 = server.group().loops().get(0);
            EventBase loop1 = server.group().loops().get(1);
            int port = listener.port();

            // Phase 1: loop 0 is kept busy. Its queue fills with the first connections sent its way; every later one
            // goes to loop 1 and is served at once. Each connects once loop 1 has opened the one before (its queue is
            // as small as loop 0's: connections faster than a loop opens them would be shed, which is phase 2).
            holds.add(LoopHold.on(loop0));
            int phase1 = 30;
            long start = System.nanoTime();
            List<Socket> phase1Clients = new ArrayList<>();
            for (int i = 0; i < phase1; i++) {
                phase1Clients.add(connectAndWaitForAccept(server, port));
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> server.pendingHandOffs(loop1) == 0);
            }
            assertThat(server.pendingHandOffs(loop0)).isEqualTo(QUEUE);
            assertThat(server.openConnections(loop1)).isEqualTo(phase1 - QUEUE);
            // Loop 1 lists its connections (loop 0 is held and left out, after the timeout given): the others wait
            // in loop 0's queue. Asked again if loop 1 did not answer in time.
            Set<Integer> onLoop1 = new HashSet<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                onLoop1.clear();
                server.connections(Duration.ofMillis(200)).stream()
                        .filter(c -> c.loop() == loop1.id())
                        .map(c -> Integer.parseInt(c.remoteAddress().substring(c.remoteAddress().lastIndexOf(':') + 1)))
                        .forEach(onLoop1::add);
                return onLoop1.size() == phase1 - QUEUE;
            });
            int servedAtOnce = 0;
            List<Socket> owed = new ArrayList<>(); // sent "p1" and got no answer yet: queued on the busy loop
            for (Socket s : phase1Clients) {
                if (onLoop1.contains(s.getLocalPort())) {
                    assertThat(answers(s, "p1", 10_000)).as("a connection on the free loop is served").isTrue();
                    servedAtOnce++;
                } else {
                    s.getOutputStream().write("p1\n".getBytes(StandardCharsets.US_ASCII));
                    owed.add(s);
                }
            }
            long phase1Millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(owed).hasSize(QUEUE);
            assertThat(listener.rejected(RejectReason.OVERLOAD)).isZero();
            clients.addAll(phase1Clients);

            // Phase 2: loop 1 is kept busy too. Its queue fills, and then every connection is shed; the accepted
            // counter, read all along as a scrape would, never goes down.
            holds.add(LoopHold.on(loop1));
            sampler = new Thread(() -> {
                long last = listener.accepted();
                while (sampling.get()) {
                    long now = listener.accepted();
                    if (now < last) {
                        decreases.incrementAndGet();
                    }
                    last = now;
                    Thread.yield();
                }
            }, "accepted-sampler");
            sampler.start();
            int phase2 = 20;
            List<Socket> phase2Clients = new ArrayList<>();
            for (int i = 0; i < phase2; i++) {
                phase2Clients.add(connectAndWaitForAccept(server, port));
            }
            sampling.set(false);
            sampler.join();
            assertThat(decreases.get()).as("times the accepted counter went down").isZero();
            assertThat(server.pendingHandOffs(loop1)).isEqualTo(QUEUE);
            // A shed socket is closed before it is counted, so its end is on its way to the client; a queued one
            // stays silent while its loop is held. Looked at again and again until every shed one has its end.
            List<Socket> silent = new ArrayList<>(phase2Clients);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO).until(() -> {
                silent.removeIf(HandOffBoundTest::closedByServer);
                return silent.size() <= QUEUE;
            });
            int shed = phase2 - silent.size();
            assertThat(shed).isEqualTo(phase2 - QUEUE);
            assertThat(listener.rejected(RejectReason.OVERLOAD)).isEqualTo(phase2 - QUEUE);
            clients.addAll(phase2Clients);

            // Release: every queued connection is opened and served; the open count matches the admitted ones.
            holds.forEach(LoopHold::release);
            int queuedServed = 0;
            for (Socket s : clients) {
                if (s.isClosed()) {
                    continue;
                }
                if (owed.contains(s)) {
                    assertThat(Clients.readN(s.getInputStream(), 3)).isEqualTo("p1\n".getBytes(StandardCharsets.US_ASCII));
                }
                if (answers(s, "after", 10_000)) {
                    queuedServed++;
                }
            }
            assertThat(queuedServed).isEqualTo(phase1 + QUEUE);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.pendingHandOffs(loop0) == 0
                    && server.pendingHandOffs(loop1) == 0);
            assertThat(listener.openConnections()).isEqualTo(phase1 + QUEUE);
            assertThat(listener.accepted()).isEqualTo(phase1 + QUEUE);
            assertThat(log.escapes()).isEmpty();
            Figures.print("3 hand-off bound",
                    "queue size %d, 2 loops: loop 0 busy -> %d of %d connections served at once by loop 1, %d queued"
                            + " on loop 0, 0 shed (%d ms for all); both busy -> %d of %d shed and counted"
                            + " rejected{overload}=%d, %d queued, accepted never went down; after release all %d"
                            + " admitted connections served",
                    QUEUE, servedAtOnce, phase1, QUEUE, phase1Millis, shed, phase2,
                    listener.rejected(RejectReason.OVERLOAD), QUEUE, queuedServed);
        } finally {
            sampling.set(false);
            if (sampler != null) {
                sampler.join();
            }
            holds.forEach(LoopHold::release);
            for (Socket s : clients) {
                s.close();
            }
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    /** Connects and waits until the acceptor has dealt with the connection (handed it over or shed it). */
    static Socket connectAndWaitForAccept(Server server, int port) throws IOException {
        BoundListener l = server.listeners().get(0);
        long before = l.accepted() + l.rejected(RejectReason.OVERLOAD);
        Socket s = Clients.connect(port);
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(10))
                .until(() -> l.accepted() + l.rejected(RejectReason.OVERLOAD) > before);
        return s;
    }

    /** True if a line sent gets its echo within {@code millis}. */
    static boolean answers(Socket s, String text, int millis) throws IOException {
        byte[] line = (text + "\n").getBytes(StandardCharsets.US_ASCII);
        s.setSoTimeout(millis);
        try {
            s.getOutputStream().write(line);
            byte[] got = Clients.readN(s.getInputStream(), line.length);
            return java.util.Arrays.equals(got, line);
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return false; // reset: it was shed
        }
    }

    /** True if the server closed the connection (EOF or reset) by now; closes it then. */
    static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(1);
            boolean closed = s.getInputStream().read() < 0;
            if (closed) {
                s.close();
            }
            return closed;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed already
            }
            return true;
        }
    }
}
