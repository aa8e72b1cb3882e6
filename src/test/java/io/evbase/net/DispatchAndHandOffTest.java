package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBaseGroup;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.Clients;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Loop choice per connection, and slow work handed to an executor and posted back to the connection's loop. */
class DispatchAndHandOffTest {

    @Test
    void leastConnectionsFillsTheEmptierLoop() throws Exception {
        Server server = new Server(new EventBaseGroup(2, "lc-", Dispatch.LEAST_CONNECTIONS),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("echo", 0, new EchoHandler())));
        server.start();
        List<Socket> clients = new ArrayList<>();
        try {
            int port = server.listener("echo").port();
            for (int i = 0; i < 6; i++) {
                clients.add(Clients.connect(port));
                await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("echo").openConnections() == clients.size());
            }
            assertThat(perLoop(server)).containsEntry(0, 3L).containsEntry(1, 3L);
            // Close the three on loop 0: the next three must all go there.
            List<ConnectionInfo> infos = server.connections(Duration.ofSeconds(5));
            for (ConnectionInfo info : infos) {
                if (info.loop() == 0) {
                    for (Socket s : clients) {
                        if (info.remoteAddress().endsWith(":" + s.getLocalPort())) {
                            s.close();
                        }
                    }
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("echo").openConnections() == 3);
            for (int i = 0; i < 3; i++) {
                clients.add(Clients.connect(port));
                int expected = 4 + i;
                await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("echo").openConnections() == expected);
            }
            assertThat(perLoop(server)).containsEntry(0, 3L).containsEntry(1, 3L);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    private static Map<Integer, Long> perLoop(Server server) {
        return server.connections(Duration.ofSeconds(5)).stream()
                .collect(Collectors.groupingBy(ConnectionInfo::loop, Collectors.counting()));
    }

    /**
     * Answers each line after "slow work" on an executor; the reply comes back through the connection's handle (the
     * raw way; {@code Connection.replyBlocking} is the one that keeps order and drains).
     */
    static final class SlowWorkHandler implements ProtocolHandler<Session> {
        final ExecutorService workers = Executors.newFixedThreadPool(2);
        final LineFramer lines = new LineFramer(1024);
        final AtomicInteger droppedResults = new AtomicInteger();

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
                    long delay = line.startsWith("slow") ? 300 : 1;
                    try {
                        Thread.sleep(delay); // the blocking part, off the loop
                    } catch (InterruptedException e) {
                        return;
                    }
                    String reply = "done " + line + " on " + Thread.currentThread().getName() + "\n";
                    boolean posted = handle.execute(conn -> {
                        if (!conn.loop().inLoop()) {
                            throw new AssertionError("result applied off the loop");
                        }
                        conn.output().writeAscii(reply);
                    });
                    if (!posted) {
                        droppedResults.incrementAndGet(); // its connection is gone
                    }
                });
            }
        }
    }

    @Test
    void slowWorkRepliesThroughTheLoopAndNeverReachesARecycledConnection() throws Exception {
        SlowWorkHandler handler = new SlowWorkHandler();
        Server server = new Server(new EventBaseGroup(1, "slow-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 16, 1 << 20), List.of(ListenerSpec.of("slow", 0, handler)));
        server.start();
        try {
            int port = server.listener("slow").port();
            try (Socket s = Clients.connect(port)) {
                s.getOutputStream().write("fast\n".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(Clients.readN(s.getInputStream(), 5), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("done ");
            }
            // A peer asks for slow work and leaves; the next peer reuses the connection object on the same loop.
            try (Socket gone = Clients.connect(port)) {
                gone.getOutputStream().write("slow secret\n".getBytes(StandardCharsets.US_ASCII));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("slow").openConnections() == 0);
            try (Socket next = Clients.connect(port)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server.listener("slow").openConnections() == 1);
                // The slow result for the old peer comes back while the next peer has the recycled object: dropped.
                await().atMost(Duration.ofSeconds(5)).until(() -> handler.droppedResults.get() == 1);
                next.getOutputStream().write("fast\n".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(Clients.readN(next.getInputStream(), 10), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("done fast ");
            }
            assertThat(server.reusedConnections()).isGreaterThanOrEqualTo(1);
        } finally {
            handler.workers.shutdownNow();
            server.shutdown(Duration.ofSeconds(5));
        }
    }
}
