package io.evbase.net.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.tools.attach.VirtualMachine;
import io.evbase.support.ChildServer;
import io.evbase.support.TestPki;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS at scale (profile {@code tls-long}, a few minutes): 1,000 handshakes in flight at once, then 10,000 idle TLS
 * connections and 10,000 idle plaintext ones, with the server's memory per connection measured. The server runs in
 * a child JVM (-Xmx512m) so that its memory is its own; the clients are {@link TlsClientFleet}s on one thread.
 *
 * <pre>./mvnw -Ptls-long test</pre>
 */
class TlsLongTest {

    static final int CONCURRENT = 1_000;
    static final int IDLE = 10_000;

    @TempDir
    static Path dir;
    static ChildServer server;
    static SSLContext client;
    static JMXConnector jmx;
    static MBeanServerConnection mbeans;

    @BeforeAll
    static void start() throws Exception {
        TestPki.Issued ca = TestPki.authority("long test CA");
        TestPki.Issued cert = ca.server("localhost");
        cert.writePem(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        client = TestPki.trusting(ca.cert());
        server = ChildServer.start(List.of("-Xmx512m", "-XX:MaxDirectMemorySize=256m"), List.of(
                "--evbase.workers=2",
                "--spring.ssl.bundle.pem.server.keystore.certificate=file:" + dir.resolve("tls.crt"),
                "--spring.ssl.bundle.pem.server.keystore.private-key=file:" + dir.resolve("tls.key"),
                "--evbase.listeners.tls.port=0", "--evbase.listeners.tls.protocol=echo",
                "--evbase.listeners.tls.bind-address=127.0.0.1", "--evbase.listeners.tls.ssl.bundle=server",
                // a burst of 1,000 handshakes shares 2 cores with its clients: the last may finish past the default
                // 10 s, which would cut them; this test measures the burst, HandshakeTimeout tests the cut
                "--evbase.listeners.tls.ssl.handshake-timeout=120s",
                "--evbase.listeners.tls.max-connections=" + (IDLE + 1000),
                "--evbase.listeners.plain.port=0", "--evbase.listeners.plain.protocol=echo",
                "--evbase.listeners.plain.bind-address=127.0.0.1",
                "--evbase.listeners.plain.max-connections=" + (IDLE + 1000)), 2, Duration.ofSeconds(60));
        VirtualMachine vm = VirtualMachine.attach(Long.toString(server.pid()));
        String url = vm.startLocalManagementAgent();
        vm.detach();
        jmx = JMXConnectorFactory.connect(new JMXServiceURL(url));
        mbeans = jmx.getMBeanServerConnection();
    }

    @AfterAll
    static void stop() throws Exception {
        if (jmx != null) {
            jmx.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static InetSocketAddress address(String listener) {
        return new InetSocketAddress("127.0.0.1", server.port(listener));
    }

    @Test
    void thousandConcurrentHandshakes() throws Exception {
        try (TlsClientFleet fleet = new TlsClientFleet(client, address("tls"))) {
            long t0 = System.nanoTime();
            assertThat(fleet.open(CONCURRENT, 180_000)).as("echoed %d, failed %d", fleet.echoed(), fleet.failed())
                    .isTrue();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "FIGURE tls: %d handshakes started at once, all done in %.2f s "
                    + "(%.0f handshakes/s, client and server on one 2-core machine)%n", CONCURRENT, secs,
                    CONCURRENT / secs);
        }
    }

    @Test
    void tenThousandIdleConnectionsAndTheirMemory() throws Exception {
        Mem base = measure();
        try (TlsClientFleet fleet = new TlsClientFleet(client, address("tls"))) {
            for (int opened = 0; opened < IDLE; opened += 1000) {
                assertThat(fleet.open(1000, 180_000)).as("echoed %d, failed %d", fleet.echoed(), fleet.failed())
                        .isTrue();
            }
            Mem tls = measure();
            report("TLS", IDLE, base, tls);
            assertThat((tls.heap + tls.direct - base.heap - base.direct) / IDLE)
                    .as("heap and direct memory per idle TLS connection").isLessThan(32 * 1024);
        }
        // Closed: the heap goes back to where it was but for the loops' free lists of recycled connection objects
        // (at most 1,024 per loop, about 1.2 KiB each with their empty buffers) and 64 B per connection of slack.
        long freeLists = 2 * 1024 * 1536L;
        await().atMost(Duration.ofSeconds(60)).until(() -> measure().heap < base.heap + freeLists + 64L * IDLE);
        Mem before = measure();
        List<SocketChannel> plain = new ArrayList<>(IDLE);
        try {
            ByteBuffer line = ByteBuffer.allocate(2);
            for (int i = 0; i < IDLE; i++) {
                SocketChannel ch = SocketChannel.open(address("plain"));
                plain.add(ch);
                ch.write(ByteBuffer.wrap(new byte[] {'x', '\n'}));
                line.clear();
                while (line.hasRemaining()) {
                    if (ch.read(line) < 0) {
                        throw new IOException("closed");
                    }
                }
            }
            report("plaintext", IDLE, before, measure());
        } finally {
            for (SocketChannel ch : plain) {
                ch.close();
            }
        }
    }

    record Mem(long heap, long direct, long rss) {
    }

    private static Mem measure() throws Exception {
        MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(mbeans, ManagementFactory.MEMORY_MXBEAN_NAME,
                MemoryMXBean.class);
        for (int i = 0; i < 3; i++) {
            memory.gc();
        }
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(mbeans, BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + server.pid() + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return new Mem(memory.getHeapMemoryUsage().getUsed(), direct, rss);
    }

    private static void report(String kind, int n, Mem before, Mem after) {
        System.out.printf(Locale.ROOT, "FIGURE tls: %d idle %s connections: heap %d B, direct %d B, RSS %d B per "
                + "connection (server JVM, after full GCs)%n", n, kind, (after.heap - before.heap) / n,
                (after.direct - before.direct) / n, (after.rss - before.rss) / n);
    }
}
