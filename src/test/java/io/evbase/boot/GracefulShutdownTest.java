package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.evbase.support.AsyncProtocols;
import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGTERM on the real process: stop accepting, answer every request received before (replies still being computed
 * off the loop included), exit within the drain timeout. And a half-close, on the real process: every request sent
 * before it is answered.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class GracefulShutdownTest {

    /**
     * An echo listener and a drain timeout far longer than a drain takes, even on a busy machine: a drain that
     * finishes is not cut, and the timeout shows in the log ("drain timeout") only where a test provokes it.
     */
    private static final List<String> ARGS = echo("30s");
    /** The drain timeout of the test that runs into it. */
    private static final Duration SHORT_DRAIN = Duration.ofSeconds(4);
    private static final List<String> ASYNC_ARGS = List.of("--spring.main.sources=" + AsyncProtocols.class.getName(),
            "--evbase.listeners.async.port=0", "--evbase.listeners.async.protocol=async",
            "--evbase.listeners.async.bind-address=127.0.0.1", "--evbase.shutdown.drain-timeout=30s",
            "--evbase.workers=2");

    @Test
    void sigtermEchoesEverythingReceivedThenExits() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), ARGS, 1, Duration.ofSeconds(60))) {
            int port = child.port("echo");
            int clients = 20;
            List<Socket> sockets = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Socket s = Clients.connect(port);
                byte[] payload = new byte[256 * 1024];
                new Random(i).nextBytes(payload);
                s.getOutputStream().write(payload); // fits the buffers on both sides: nobody reads yet
                sockets.add(s);
                sent.add(payload);
            }
            Http http = new Http(child.managementPort());
            long sentBytes = (long) clients * 256 * 1024;
            await().atMost(Duration.ofSeconds(30)).until(() -> bytesRead(http, "echo") == sentBytes);
            child.terminate();
            List<Future<byte[]>> echoes = new ArrayList<>();
            for (Socket s : sockets) {
                InputStream in = s.getInputStream();
                echoes.add(pool.submit(() -> Clients.readToEnd(in)));
            }
            for (int i = 0; i < clients; i++) {
                assertThat(echoes.get(i).get(30, TimeUnit.SECONDS)).as("client %d", i).isEqualTo(sent.get(i));
            }
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(String.join("\n", child.output())).as("exit %d", child.process().exitValue())
                    .contains("evbase draining").contains("evbase stopped").doesNotContain("drain timeout");
            for (Socket s : sockets) {
                s.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void bytesHeldInServerBuffersAtSigtermAreStillEchoed() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), ARGS, 1, Duration.ofSeconds(60))) {
            int port = child.port("echo");
            List<SocketChannel> clients = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                SocketChannel c = SocketChannel.open();
                c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 16 * 1024); // the server must hold the echo
                c.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                byte[] payload = new byte[2 << 20];
                new Random(100 + i).nextBytes(payload);
                clients.add(c);
                sent.add(payload);
                writes.add(pool.submit(() -> c.write(ByteBuffer.wrap(payload))));
            }
            for (Future<?> w : writes) {
                w.get(30, TimeUnit.SECONDS); // all of it left the client (it may still wait in a kernel buffer)
            }
            // Held by the server, not in flight: the drain reads what the server's kernel holds when it begins, and
            // a busy server may not have taken all of it into its own kernel yet.
            Http http = new Http(child.managementPort());
            long total = 4L * (2 << 20);
            await().atMost(Duration.ofSeconds(30)).until(() -> bytesRead(http, "echo") == total);
            child.terminate();
            for (int i = 0; i < clients.size(); i++) {
                assertThat(Clients.readToEnd(clients.get(i).socket().getInputStream())).as("client %d", i)
                        .isEqualTo(sent.get(i));
            }
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(String.join("\n", child.output())).doesNotContain("drain timeout");
            for (SocketChannel c : clients) {
                c.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientThatNeverReadsIsCutAtTheDrainTimeout() throws Exception {
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), echo(SHORT_DRAIN.toSeconds() + "s"), 1,
                Duration.ofSeconds(60));
                SocketChannel hog = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", child.port("echo")))) {
            hog.configureBlocking(false);
            ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
            Http http = new Http(child.managementPort());
            // Fill every buffer between us and the server: its output above the write high watermark (1 MB), so it
            // has stopped reading, and our last write taken by no one.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                do {
                    junk.clear();
                } while (hog.write(junk) > 0);
                return JsonPath.<List<Integer>>read(http.body("/actuator/reactor/connections"),
                        "$.connections[*].outputBytes").stream().anyMatch(out -> out > 1 << 20);
            });
            long start = System.nanoTime();
            child.terminate();
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // Not before the drain timeout (the client never reads, so the drain cannot finish); then at once, give
            // or take what a busy machine adds to closing and stopping.
            assertThat(took).isGreaterThanOrEqualTo(SHORT_DRAIN).isLessThan(SHORT_DRAIN.plusSeconds(20));
            assertThat(String.join("\n", child.output())).contains("drain timeout");
        }
    }

    @Test
    void sigtermWithSlowRequestsInFlightDeliversEveryReplyThenCloses() throws Exception {
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), ASYNC_ARGS, 1, Duration.ofSeconds(60));
                Socket s = Clients.connect(child.port("async"))) {
            String requests = "slow 6000 1\nslow 6000 2\nslow 6000 3\nslow 6000 4\nslow 6000 5\n";
            s.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            // Read by the server means served: the loop hands each request to the blocking executor as it reads it,
            // before the drain (a task on the same loop) can begin.
            Http http = new Http(child.managementPort());
            await().atMost(Duration.ofSeconds(30)).until(() -> bytesRead(http, "async") == requests.length());
            child.terminate();
            // The drain has begun (the actuator still answers while it runs) and no reply is out yet.
            await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<Boolean>read(http.body("/actuator/reactor"),
                    "$.draining"));
            InputStream in = s.getInputStream();
            assertThat(in.available()).as("replies in flight when the drain began").isZero();
            assertThat(new String(Clients.readToEnd(in), StandardCharsets.US_ASCII)).isEqualTo("1\n2\n3\n4\n5\n");
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(String.join("\n", child.output())).contains("evbase stopped").doesNotContain("drain timeout");
        }
    }

    @Test
    void aPeerThatHalfClosesGetsEveryReplyIncludingTheSlowOne() throws Exception {
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), ASYNC_ARGS, 1, Duration.ofSeconds(60));
                Socket s = Clients.connect(child.port("async"))) {
            s.getOutputStream().write("now 1\nnow 2\nslow 1000 3\nnow 4\nnow 5\nnow 6\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(new String(Clients.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII))
                    .isEqualTo("1\n2\n3\n4\n5\n6\n");
            Http http = new Http(child.managementPort());
            await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<List<Integer>>read(
                    http.body("/actuator/reactor"), "$.listeners[?(@.name=='async')].closed.peer_closed").get(0) == 1);
        }
    }

    private static List<String> echo(String drainTimeout) {
        return List.of("--evbase.listeners.echo.port=0", "--evbase.listeners.echo.protocol=echo",
                "--evbase.listeners.echo.bind-address=127.0.0.1", "--evbase.shutdown.drain-timeout=" + drainTimeout,
                "--evbase.workers=2");
    }

    private static long bytesRead(Http http, String listener) {
        return JsonPath.<List<Number>>read(http.body("/actuator/reactor"),
                "$.listeners[?(@.name=='" + listener + "')].bytesRead").get(0).longValue();
    }
}
