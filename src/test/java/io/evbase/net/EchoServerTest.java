package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.Clients;
import io.evbase.support.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The echo protocol over real sockets: many clients, big payloads, odd write splits, half-close. */
class EchoServerTest {

    @Test
    void hundredsOfConcurrentClientsGetTheirOwnBytesBack() throws Exception {
        int clients = 300;
        try (TestServer ts = TestServer.start(ListenerSpec.of("echo", 0, new EchoHandler()), 2, 16 * 1024)) {
            ExecutorService pool = Executors.newFixedThreadPool(2 * clients);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                long sum = 0;
                for (int i = 0; i < clients; i++) {
                    Random random = new Random(i);
                    // Mostly small payloads, a few of several MiB.
                    int size = i % 50 == 0 ? (2 << 20) + random.nextInt(2 << 20) : 1 + random.nextInt(64 * 1024);
                    sum += size;
                    byte[] payload = new byte[size];
                    random.nextBytes(payload);
                    results.add(pool.submit(() -> roundTrip(ts.port, payload, random, pool)));
                }
                long total = sum;
                for (Future<Boolean> f : results) {
                    assertThat(f.get(120, TimeUnit.SECONDS)).isTrue();
                }
                BoundListener listener = ts.server.listener("echo");
                System.out.printf("echo: %d clients, %d MiB echoed, pool holds %d KiB of chunks afterwards%n", clients,
                        total >> 20, ts.pool().allocatedBytes() >> 10);
                assertThat(listener.accepted()).isEqualTo(clients);
                assertThat(listener.bytesRead()).isEqualTo(total);
                await().atMost(Duration.ofSeconds(10)).until(() -> listener.bytesWritten() == total);
                await().atMost(Duration.ofSeconds(10)).until(() -> listener.openConnections() == 0);
                await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == 0);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Writes the payload in random splits on one thread while another reads the echo; true if it matches. */
    private static boolean roundTrip(int port, byte[] payload, Random random, ExecutorService pool) throws Exception {
        try (Socket s = Clients.connect(port)) {
            InputStream in = s.getInputStream();
            Future<byte[]> echo = pool.submit(() -> Clients.readN(in, payload.length));
            OutputStream out = s.getOutputStream();
            int off = 0;
            while (off < payload.length) {
                int n = Math.min(payload.length - off, 1 + random.nextInt(32 * 1024));
                out.write(payload, off, n);
                off += n;
            }
            byte[] got = echo.get(100, TimeUnit.SECONDS);
            s.shutdownOutput();
            return java.util.Arrays.equals(got, payload) && in.read() == -1;
        }
    }

    @Test
    void bytesWrittenOneAtATimeComeBackInOrder() throws Exception {
        try (TestServer ts = TestServer.start(ListenerSpec.of("echo", 0, new EchoHandler()));
                Socket s = Clients.connect(ts.port)) {
            OutputStream out = s.getOutputStream();
            byte[] sent = new byte[2000];
            new Random(7).nextBytes(sent);
            for (byte b : sent) {
                out.write(b);
                out.flush();
            }
            assertThat(Clients.readN(s.getInputStream(), sent.length)).isEqualTo(sent);
        }
    }

    @Test
    void halfCloseFlushesTheRestThenCloses() throws Exception {
        try (TestServer ts = TestServer.start(ListenerSpec.of("echo", 0, new EchoHandler()));
                Socket s = Clients.connect(ts.port)) {
            byte[] sent = new byte[300_000];
            new Random(8).nextBytes(sent);
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(sent);
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            assertThat(Clients.readToEnd(s.getInputStream())).isEqualTo(sent);
            writer.join();
            BoundListener listener = ts.server.listener("echo");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.closed(CloseReason.PEER_CLOSED) == 1);
        }
    }
}
