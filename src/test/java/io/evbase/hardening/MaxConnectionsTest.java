package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.net.Connection;
import io.evbase.net.ListenerSpec;
import io.evbase.net.BoundListener.RejectReason;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import io.evbase.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client over {@code max-connections} gets the protocol's refusal and is closed, counted as
 * rejected {@code limit}; the connections within the limit keep being served, and a freed place is taken again.
 */
class MaxConnectionsTest {

    static final byte[] REFUSAL = "ERROR Too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The line echo test protocol with memcached's refusal. */
    static final class RefusingLineHandler implements ProtocolHandler<Session> {
        private final LineEchoHandler lines = new LineEchoHandler();

        @Override
        public Session open(Connection c) {
            return () -> lines.onRead(c);
        }

        @Override
        public byte[] tooManyConnectionsReply() {
            return REFUSAL.clone();
        }
    }

    @Test
    void lineProtocolClientsOverTheLimitAreRefusedCountedAndTheOthersServed() throws Exception {
        refuseOverTheLimit("line", new RefusingLineHandler(), "hello\n");
    }

    /** memcached's refusal, to clients that send {@code version} first (as memcached clients do on connect). */
    @Test
    void memcacheClientsOverTheLimitReadMemcachedsRefusal() throws Exception {
        refuseOverTheLimit("memcache", new io.evbase.protocol.memcache.MemcacheHandler(), "version\r\n");
    }

    /**
     * @param name    the listener, "line" (admitted clients' lines are echoed) or "memcache" (they store a value)
     * @param request what eager and late clients send before reading
     */
    private void refuseOverTheLimit(String name, ProtocolHandler<?> handler, String request) throws Exception {
        int limit = 20;
        int over = 200;
        ListenerSpec config = ListenerSpec.of(name, 0, handler).withMaxConnections(limit);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Socket> admitted = new ArrayList<>();
        try (LogCapture log = LogCapture.start("io.evbase"); TestServer ts = TestServer.start(config)) {
            for (int i = 0; i < limit; i++) {
                admitted.add(Clients.connect(ts.port));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.server.listener(name).openConnections() == limit);
            roundTrip(admitted, "before", name);

            // Over the limit: quiet clients (they wait for a reply), eager ones (they send a request at once, as
            // memcached clients do) and late ones (their request arrives after the server closed); each must read
            // the refusal and then the end of the stream, never a reset that swallows the refusal.
            long start = System.nanoTime();
            List<Future<long[]>> refused = new ArrayList<>();
            for (int i = 0; i < over; i++) {
                int clientKind = i % 3;
                refused.add(pool.submit(() -> refusedClient(ts.port, clientKind, request)));
            }
            long[] gotRefusal = new long[3];
            long worstNanos = 0;
            for (int i = 0; i < over; i++) {
                long[] r = refused.get(i).get(30, TimeUnit.SECONDS);
                worstNanos = Math.max(worstNanos, r[1]);
                gotRefusal[i % 3] += r[0];
            }
            long allNanos = System.nanoTime() - start;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ts.server.listener(name).rejected(RejectReason.LIMIT) == over);
            assertThat(ts.server.listener(name).openConnections()).isEqualTo(limit);
            roundTrip(admitted, "during", name);

            // Places freed by leaving clients are taken by new ones.
            for (int i = 0; i < 5; i++) {
                admitted.remove(0).close();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.server.listener(name).openConnections() == limit - 5);
            for (int i = 0; i < 5; i++) {
                admitted.add(Clients.connect(ts.port));
            }
            roundTrip(admitted, "after", name);
            assertThat(ts.server.listener(name).rejected(RejectReason.LIMIT)).isEqualTo(over);
            assertThat(log.escapes()).isEmpty();
            Figures.print("1 max-connections (" + name + ")",
                    "limit %d: %d clients over it refused in %d ms (slowest %.1f ms); got '%s' + EOF: quiet %d/%d,"
                            + " eager (request first) %d/%d, late (request after the close) %d/%d; rejected{limit}=%d;"
                            + " the %d admitted clients answered before, during and after; 5 freed places re-used",
                    limit, over, allNanos / 1_000_000, worstNanos / 1e6,
                    new String(REFUSAL, StandardCharsets.US_ASCII).trim(), gotRefusal[0], count(over, 0),
                    gotRefusal[1], count(over, 1), gotRefusal[2], count(over, 2),
                    ts.server.listener(name).rejected(RejectReason.LIMIT), limit);
            for (int kind = 0; kind < 3; kind++) {
                assertThat(gotRefusal[kind]).as("clients of kind %d that read the refusal and EOF", kind)
                        .isEqualTo(count(over, kind));
            }
        } finally {
            for (Socket s : admitted) {
                s.close();
            }
            pool.shutdownNow();
        }
    }

    private static long count(int n, int kind) {
        return (n - kind + 2) / 3;
    }

    /**
     * @param kind 0 sends nothing, 1 sends a request at once, 2 sends it 20 ms later (after the server closed)
     * @return {1 if the refusal then EOF arrived, 0 otherwise; nanoseconds from connect to the end}
     */
    private static long[] refusedClient(int port, int kind, String request) throws IOException, InterruptedException {
        long start = System.nanoTime();
        try (Socket s = Clients.connect(port)) {
            if (kind == 2) {
                Thread.sleep(20);
            }
            if (kind > 0) {
                s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            }
            InputStream in = s.getInputStream();
            byte[] got;
            try {
                got = Clients.readToEnd(in);
            } catch (IOException reset) {
                return new long[] {0, System.nanoTime() - start};
            }
            return new long[] {Arrays.equals(got, REFUSAL) ? 1 : 0, System.nanoTime() - start};
        }
    }

    private static void roundTrip(List<Socket> clients, String when, String kind) throws IOException {
        for (int i = 0; i < clients.size(); i++) {
            byte[] request;
            byte[] reply;
            if (kind.equals("memcache")) {
                request = ("set " + when + "-" + i + " 0 0 1\r\nx\r\n").getBytes(StandardCharsets.US_ASCII);
                reply = "STORED\r\n".getBytes(StandardCharsets.US_ASCII);
            } else {
                request = (when + "-" + i + "\n").getBytes(StandardCharsets.US_ASCII);
                reply = request;
            }
            clients.get(i).getOutputStream().write(request);
            assertThat(Clients.readN(clients.get(i).getInputStream(), reply.length)).as("%s, client %d", when, i)
                    .isEqualTo(reply);
        }
    }
}
