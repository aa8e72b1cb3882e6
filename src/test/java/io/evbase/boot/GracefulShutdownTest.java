package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM on the real process: stop accepting, echo every byte received before, exit within the drain timeout. */
class GracefulShutdownTest {

    private static final List<String> ARGS = List.of("--evbase.listeners.echo.port=0",
            "--evbase.listeners.echo.protocol=echo", "--evbase.listeners.echo.bind-address=127.0.0.1",
            "--evbase.shutdown.drain-timeout=4s", "--evbase.workers=2");

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
            Thread.sleep(300); // let the bytes reach the server
            long start = System.nanoTime();
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
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4 + 10));
            assertThat(String.join("\n", child.output())).as("exit %d", child.process().exitValue())
                    .contains("evbase draining").contains("evbase stopped");
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
                w.get(30, TimeUnit.SECONDS); // all of it left the client: received by the server or its kernel
            }
            child.terminate();
            for (int i = 0; i < clients.size(); i++) {
                assertThat(Clients.readToEnd(clients.get(i).socket().getInputStream())).as("client %d", i)
                        .isEqualTo(sent.get(i));
            }
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            for (SocketChannel c : clients) {
                c.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientThatNeverReadsIsCutAtTheDrainTimeout() throws Exception {
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), ARGS, 1, Duration.ofSeconds(60));
                SocketChannel hog = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", child.port("echo")))) {
            hog.configureBlocking(false);
            ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
            int stuck = 0;
            while (stuck < 20) { // fill every buffer between us and the server
                junk.clear();
                if (hog.write(junk) == 0) {
                    stuck++;
                    Thread.sleep(10);
                }
            }
            long start = System.nanoTime();
            child.terminate();
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(4)).isLessThan(Duration.ofSeconds(4 + 10));
            assertThat(String.join("\n", child.output())).contains("drain timeout");
        }
    }
}
