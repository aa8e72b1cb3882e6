package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.net.CloseReason;
import io.evbase.net.BoundListener;
import io.evbase.net.ListenerSpec;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import io.evbase.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Idle clients are closed by the idle timeout; a client that sends its request a byte per second
 * (slowloris) keeps the idle timeout away but is cut off by the read timeout; a client that talks normally is
 * touched by neither. Each close is counted by its reason.
 */
class SlowAndIdleClientsTest {

    private static final Duration IDLE = Duration.ofMillis(1500);
    private static final Duration READ = Duration.ofMillis(3000);

    @Test
    void idleClientsAndAByteASecondRequestAreCutOffAndCounted() throws Exception {
        ListenerSpec config = ListenerSpec.of("line", 0, new LineEchoHandler()).withTimeouts(IDLE, READ, Duration.ZERO);
        ExecutorService threads = Executors.newCachedThreadPool();
        try (LogCapture log = LogCapture.start("io.evbase"); TestServer ts = TestServer.start(config)) {
            BoundListener listener = ts.server.listener("line");
            int idlers = 50;
            List<Future<Long>> idle = new ArrayList<>();
            for (int i = 0; i < idlers; i++) {
                idle.add(threads.submit(() -> {
                    try (Socket s = Clients.connect(ts.port)) {
                        long start = System.nanoTime();
                        assertThat(readToEndOrReset(s.getInputStream())).as("nothing but the close").isEmpty();
                        return System.nanoTime() - start;
                    }
                }));
            }
            Future<long[]> slowloris = threads.submit(() -> trickle(ts.port, "",
                    "get slowloris-key-that-never-ends"));
            Future<Integer> chatty = threads.submit(() -> chat(ts.port, 10, 500)); // a line each 500 ms for 5 s

            long minIdle = Long.MAX_VALUE;
            long maxIdle = 0;
            for (Future<Long> f : idle) {
                long nanos = f.get(30, TimeUnit.SECONDS);
                minIdle = Math.min(minIdle, nanos);
                maxIdle = Math.max(maxIdle, nanos);
            }
            long[] cut = slowloris.get(30, TimeUnit.SECONDS);
            int chatted = chatty.get(30, TimeUnit.SECONDS);

            assertThat(Duration.ofNanos(minIdle)).isGreaterThanOrEqualTo(IDLE.minusMillis(50));
            assertThat(Duration.ofNanos(maxIdle)).as("generous bound on a loaded machine").isLessThan(IDLE.plusSeconds(5));
            assertThat(cut[0]).as("bytes the slowloris got in").isGreaterThanOrEqualTo(2);
            assertThat(Duration.ofNanos(cut[1])).isGreaterThanOrEqualTo(READ.minusMillis(50)).isLessThan(READ.plusSeconds(5));
            assertThat(chatted).isEqualTo(10);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.openConnections() == 0);
            assertThat(listener.closed(CloseReason.IDLE_TIMEOUT)).isEqualTo(idlers);
            assertThat(listener.closed(CloseReason.READ_TIMEOUT)).isEqualTo(1);
            assertThat(listener.closed(CloseReason.PEER_CLOSED) + listener.closed(CloseReason.RESET)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == 0);
            assertThat(log.escapes()).isEmpty();
            Figures.print("4 slow and idle clients",
                    "idle timeout %d ms: %d idle clients closed after %d..%d ms, counted idle_timeout=%d;"
                            + " read timeout %d ms: a request sent a byte per second was cut after %d ms and %d bytes"
                            + " (the idle timeout never fired for it), counted read_timeout=%d; a client sending a line"
                            + " each 500 ms got all %d replies and was closed by neither",
                    IDLE.toMillis(), idlers, minIdle / 1_000_000, maxIdle / 1_000_000,
                    listener.closed(CloseReason.IDLE_TIMEOUT), READ.toMillis(), cut[1] / 1_000_000, cut[0],
                    listener.closed(CloseReason.READ_TIMEOUT), chatted);
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Sends {@code head} at once, then {@code trickled} a byte per second (never completing the request).
     * Returns {bytes trickled, nanos until cut}.
     */
    private static long[] trickle(int port, String head, String trickled) throws IOException, InterruptedException {
        byte[] request = trickled.getBytes(StandardCharsets.US_ASCII);
        try (Socket s = Clients.connect(port)) {
            s.setSoTimeout(1000);
            long start = System.nanoTime();
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            int sent = 0;
            for (int i = 0; i < request.length; i++) {
                try {
                    s.getOutputStream().write(request[i]);
                    sent++;
                } catch (SocketException reset) {
                    break;
                }
                try {
                    if (s.getInputStream().read() < 0) { // waits up to a second: the pace of this client
                        break;
                    }
                } catch (java.net.SocketTimeoutException pace) {
                    continue;
                } catch (SocketException reset) {
                    break;
                }
                throw new AssertionError("a reply to an incomplete request");
            }
            return new long[] {sent, System.nanoTime() - start};
        }
    }

    /**
     * The same with memcache: a command line and a value that each arrive a byte per second are cut by the read
     * timeout (a value in flight counts as an incomplete request), idle clients by the idle timeout.
     */
    @Test
    void memcacheCommandAndValueSentAByteASecondAreCutOffByTheReadTimeout() throws Exception {
        ListenerSpec config = ListenerSpec.of("memcache", 0, new io.evbase.protocol.memcache.MemcacheHandler())
                .withTimeouts(IDLE, READ, Duration.ZERO);
        ExecutorService threads = Executors.newCachedThreadPool();
        try (LogCapture log = LogCapture.start("io.evbase"); TestServer ts = TestServer.start(config)) {
            BoundListener listener = ts.server.listener("memcache");
            Future<Long> idler = threads.submit(() -> {
                try (Socket s = Clients.connect(ts.port)) {
                    long start = System.nanoTime();
                    assertThat(readToEndOrReset(s.getInputStream())).isEmpty();
                    return System.nanoTime() - start;
                }
            });
            Future<long[]> command = threads.submit(() -> trickle(ts.port, "", "get slowloris-key-that-never-ends"));
            Future<long[]> value = threads.submit(() -> trickle(ts.port, "set slow 0 0 100\r\n", "v".repeat(100)));
            long idleNanos = idler.get(30, TimeUnit.SECONDS);
            long[] cutCommand = command.get(30, TimeUnit.SECONDS);
            long[] cutValue = value.get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.openConnections() == 0);
            assertThat(listener.closed(CloseReason.IDLE_TIMEOUT)).isEqualTo(1);
            assertThat(listener.closed(CloseReason.READ_TIMEOUT)).isEqualTo(2);
            assertThat(Duration.ofNanos(cutCommand[1])).isGreaterThanOrEqualTo(READ.minusMillis(50)).isLessThan(READ.plusSeconds(5));
            assertThat(Duration.ofNanos(cutValue[1])).isGreaterThanOrEqualTo(READ.minusMillis(50)).isLessThan(READ.plusSeconds(5));
            assertThat(log.escapes()).isEmpty();
            Figures.print("4 slow and idle clients (memcache)",
                    "idle client closed after %d ms (idle timeout %d ms); read timeout %d ms: 'get ...' sent a byte per"
                            + " second cut after %d ms and %d bytes, a 100-byte value sent a byte per second cut after"
                            + " %d ms and %d bytes; counted idle_timeout=%d, read_timeout=%d",
                    idleNanos / 1_000_000, IDLE.toMillis(), READ.toMillis(), cutCommand[1] / 1_000_000, cutCommand[0],
                    cutValue[1] / 1_000_000, cutValue[0], listener.closed(CloseReason.IDLE_TIMEOUT),
                    listener.closed(CloseReason.READ_TIMEOUT));
        } finally {
            threads.shutdownNow();
        }
    }

    /** A normal client: {@code lines} request lines {@code pauseMillis} apart, each answered. */
    private static int chat(int port, int lines, long pauseMillis) throws IOException, InterruptedException {
        int answered = 0;
        try (Socket s = Clients.connect(port)) {
            for (int i = 0; i < lines; i++) {
                byte[] line = ("line " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                s.getOutputStream().write(line);
                if (java.util.Arrays.equals(Clients.readN(s.getInputStream(), line.length), line)) {
                    answered++;
                }
                Thread.sleep(pauseMillis);
            }
        }
        return answered;
    }

    private static byte[] readToEndOrReset(InputStream in) throws IOException {
        try {
            return Clients.readToEnd(in);
        } catch (SocketException reset) {
            return new byte[0];
        }
    }
}
