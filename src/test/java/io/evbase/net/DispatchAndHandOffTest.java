package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.Clients;
import io.evbase.support.LoopHold;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Loop choice per connection, and slow work handed to an executor and posted back to the connection's loop. */
class DispatchAndHandOffTest {

    private final List<Socket> clients = new ArrayList<>();
    private final List<LoopHold> holds = new ArrayList<>();
    private Server server;

    @AfterEach
    void stop() throws Exception {
        holds.forEach(LoopHold::release);
        for (Socket s : clients) {
            s.close();
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    /** An echo server on two loops; the stall threshold is far away, so a held loop is busy, not stalled. */
    private void start(String name, Dispatch dispatch) throws IOException {
        server = new Server(new EventBaseGroup(2, name + "-", dispatch), new BufferPool(4096, 1 << 16, 1 << 20),
                List.of(ListenerSpec.of("echo", 0, new EchoHandler())), 4096, Duration.ofMillis(100),
                Duration.ofMinutes(10));
        server.start();
    }

    private Socket connect() throws IOException {
        Socket s = Clients.connect(server.listener("echo").port());
        clients.add(s);
        return s;
    }

    @Test
    void leastConnectionsFillsTheEmptierLoop() throws Exception {
        start("lc", Dispatch.LEAST_CONNECTIONS);
        BoundListener listener = server.listener("echo");
        for (int i = 0; i < 6; i++) {
            connect();
            int expected = i + 1;
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.openConnections() == expected);
        }
        assertThat(perLoop(server)).containsEntry(0, 3L).containsEntry(1, 3L);
        // Close the three on loop 0: the next three must all go there.
        for (ConnectionInfo info : server.connections(Duration.ofSeconds(5))) {
            if (info.loop() == 0) {
                for (Socket s : clients) {
                    if (info.remoteAddress().endsWith(":" + s.getLocalPort())) {
                        s.close();
                    }
                }
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.openConnections() == 3);
        for (int i = 0; i < 3; i++) {
            connect();
            int expected = 4 + i;
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.openConnections() == expected);
        }
        assertThat(perLoop(server)).containsEntry(0, 3L).containsEntry(1, 3L);
    }

    @Test
    void leastConnectionsSplitsABurstOfConnectsEvenly() throws Exception {
        start("burst", Dispatch.LEAST_CONNECTIONS);
        BoundListener listener = server.listener("echo");
        // Both loops busy while the burst arrives, as when the acceptor takes 64 sockets in one wakeup before
        // any loop runs its hand-off tasks: no connection is registered yet, only handed over.
        for (EventBase loop : server.group().loops()) {
            holds.add(LoopHold.on(loop));
        }
        for (int i = 0; i < 64; i++) {
            connect();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.accepted() == 64);
        holds.forEach(LoopHold::release);
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.openConnections() == 64
                && server.pendingHandOffs(server.group().loops().get(0)) == 0
                && server.pendingHandOffs(server.group().loops().get(1)) == 0);
        int loop0 = server.openConnections(server.group().loops().get(0));
        int loop1 = server.openConnections(server.group().loops().get(1));
        assertThat(loop0 + loop1).isEqualTo(64);
        assertThat(loop0).as("connections on loop 0 of 64").isBetween(30, 34);
    }

    @Test
    void leastLoadedGivesNewConnectionsToTheLoopThatIsNotBusy() throws Exception {
        start("loaded", Dispatch.LEAST_LOADED);
        EventBase busy = server.group().loops().get(0);
        EventBase free = server.group().loops().get(1);
        holds.add(LoopHold.on(busy));
        for (int i = 0; i < 10; i++) {
            // Each connection is picked while the free loop waits for events and is clearly the lighter one: the
            // held loop's load climbs, and the free one's decays while it waits (serving the previous connections
            // shows in it for a while; on a busy machine, where an iteration takes longer, a while longer).
            await().atMost(Duration.ofSeconds(30)).until(() -> free.workStartNanos() == 0
                    && busy.recentLoad() > free.recentLoad() + 0.5);
            Socket s = connect();
            s.getOutputStream().write('x');
            assertThat(s.getInputStream().read()).as("served at once").isEqualTo('x');
        }
        assertThat(server.openConnections(free)).isEqualTo(10);
        assertThat(server.pendingHandOffs(busy)).isZero();
        assertThat(server.group().received(free, Dispatch.LEAST_LOADED)).isEqualTo(10);
    }

    private static Map<Integer, Long> perLoop(Server server) {
        return server.connections(Duration.ofSeconds(5)).stream()
                .collect(Collectors.groupingBy(ConnectionInfo::loop, Collectors.counting()));
    }

    /**
     * Answers each line after "slow work" on an executor; the reply comes back through the connection's handle.
     * A line starting with "slow" waits for {@link #slowGate} (the test decides when the slow work ends).
     */
    static final class SlowWorkHandler implements ProtocolHandler<Session> {
        final ExecutorService workers = Executors.newFixedThreadPool(2);
        final LineFramer lines = new LineFramer(1024);
        final CountDownLatch slowGate = new CountDownLatch(1);
        /** Results handed to {@link ConnectionHandle#execute}, whether or not anybody was left to take them. */
        final AtomicInteger resultsPosted = new AtomicInteger();
        final List<Boolean> appliedOnLoop = new CopyOnWriteArrayList<>();

        @Override
        public Session open(Connection c) {
            return () -> onRead(c);
        }

        private void onRead(Connection c) {
            int lf;
            while ((lf = lines.findLineEnd(c.input())) >= 0) {
                String line = c.input().toAscii(0, LineFramer.contentLength(c.input(), lf));
                c.input().skip(lf + 1);
                ConnectionHandle handle = c.handle();
                workers.submit(() -> {
                    if (line.startsWith("slow")) {
                        try {
                            slowGate.await(); // the blocking part, off the loop
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    String reply = "done " + line + " on " + Thread.currentThread().getName() + "\n";
                    handle.execute(conn -> {
                        appliedOnLoop.add(conn.loop().inLoop());
                        conn.output().writeAscii(reply);
                    });
                    resultsPosted.incrementAndGet();
                });
            }
        }
    }

    @Test
    void slowWorkRepliesThroughTheLoopAndNeverReachesARecycledConnection() throws Exception {
        SlowWorkHandler handler = new SlowWorkHandler();
        server = new Server(new EventBaseGroup(1, "slow-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("slow", 0, handler)));
        server.start();
        try {
            int port = server.listener("slow").port();
            EventBase loop = server.group().loops().get(0);
            try (Socket s = Clients.connect(port)) {
                s.getOutputStream().write("fast\n".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(Clients.readN(s.getInputStream(), 5), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("done ");
            }
            // A peer asks for slow work and leaves; the next peer reuses the connection object on the same loop.
            try (Socket gone = Clients.connect(port)) {
                gone.getOutputStream().write("slow secret\n".getBytes(StandardCharsets.US_ASCII));
                await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("slow").accepted() == 2);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("slow").openConnections() == 0);
            try (Socket next = Clients.connect(port)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("slow").openConnections() == 1);
                assertThat(server.reusedConnections()).isGreaterThanOrEqualTo(1);
                // Now the slow result for the old peer is posted, and run by the loop before anything posted later.
                handler.slowGate.countDown();
                await().atMost(Duration.ofSeconds(5)).until(() -> handler.resultsPosted.get() == 2);
                CountDownLatch after = new CountDownLatch(1);
                loop.execute(after::countDown);
                assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
                next.getOutputStream().write("fast\n".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(Clients.readN(next.getInputStream(), 10), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("done fast ");
            }
            assertThat(handler.appliedOnLoop).as("results applied, each on the loop").containsOnly(true).hasSize(2);
        } finally {
            handler.slowGate.countDown();
            handler.workers.shutdownNow();
        }
    }
}
