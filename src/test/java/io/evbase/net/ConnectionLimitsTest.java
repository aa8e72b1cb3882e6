package io.evbase.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.Clients;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import io.evbase.support.NonReadingClient;
import io.evbase.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** Watermarks, timeouts, handler failures and connection recycling, each against a real socket. */
class ConnectionLimitsTest {

    private static final int KIB = 1024;

    @Test
    void aClientThatNeverReadsIsHeldToTheWatermarksAndOthersAreUnaffected() throws Exception {
        int readHigh = 64 * KIB;
        int writeHigh = 128 * KIB;
        ListenerSpec config = ListenerSpec.of("echo", 0, new EchoHandler()).withWatermarks(readHigh, writeHigh, 32 * KIB);
        try (TestServer ts = TestServer.start(config, 1, 16 * KIB);
                NonReadingClient hog = NonReadingClient.connect(ts.port, 64 * KIB)) {
            // Pushed until the server has stopped reading (its output past the write high watermark) and the kernel
            // buffers on both sides are full.
            long sent = hog.pipelineUntilFull(new byte[64 * KIB], () -> ts.server.outputBytes() > writeHigh,
                    Duration.ofSeconds(20));
            assertThat(sent).as("the kernel took a lot, the server only its share").isGreaterThan(writeHigh);
            long bound = readHigh + writeHigh + 2L * 16 * KIB + Connection.MAX_READ_PER_EVENT;
            assertThat(ts.pool().inUseBytes()).as("pooled bytes in use; sent %d", sent).isLessThanOrEqualTo(bound);
            assertThat(ts.server.inputBytes() + ts.server.outputBytes()).as("bytes held, input and output")
                    .isLessThanOrEqualTo(bound);

            // Output the socket will not take stays queued and the loop waits for OP_WRITE: it must not spin. (The
            // sleep is the window the loop's iterations are counted over.)
            io.evbase.loop.EventBase loop = ts.server.group().loops().get(0);
            long before = loop.stats().iterations();
            Thread.sleep(500);
            long spins = loop.stats().iterations() - before;
            assertThat(spins).as("loop iterations in 500 ms while the output is stuck").isLessThan(50);

            try (Socket other = Clients.connect(ts.port)) {
                other.getOutputStream().write("still served\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(Clients.readN(other.getInputStream(), 13), StandardCharsets.US_ASCII))
                        .isEqualTo("still served\n");
            }
        }
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        ListenerSpec config = ListenerSpec.of("echo", 0, new EchoHandler())
                .withTimeouts(Duration.ofMillis(300), Duration.ZERO, Duration.ZERO);
        try (TestServer ts = TestServer.start(config); Socket s = Clients.connect(ts.port)) {
            long start = System.nanoTime();
            s.getOutputStream().write('x');
            assertThat(Clients.assertClosedAfter(s, start, Duration.ofMillis(300),
                    () -> ts.server.listener("echo").closed(CloseReason.IDLE_TIMEOUT) == 1)).containsExactly('x');
        }
    }

    @Test
    void aRequestTrickledByteByByteIsCutOffByTheReadTimeout() throws Exception {
        ListenerSpec config = ListenerSpec.of("line", 0, new LineEchoHandler())
                .withTimeouts(Duration.ZERO, Duration.ofMillis(500), Duration.ZERO);
        try (TestServer ts = TestServer.start(config); Socket s = Clients.connect(ts.port)) {
            long start = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < 100 && !cut; i++) { // a byte each 50 ms keeps it busy but never completes a line
                try {
                    s.getOutputStream().write('a');
                    Thread.sleep(50);
                } catch (SocketException e) {
                    cut = true;
                }
                cut |= ts.server.listener("line").closed(CloseReason.READ_TIMEOUT) == 1;
            }
            assertThat(cut).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            assertThat(Clients.readToEnd(s.getInputStream())).isEmpty();
        }
    }

    @Test
    void completeRequestsKeepTheReadTimeoutAway() throws Exception {
        ListenerSpec config = ListenerSpec.of("line", 0, new LineEchoHandler())
                .withTimeouts(Duration.ZERO, Duration.ofMillis(300), Duration.ZERO);
        try (TestServer ts = TestServer.start(config); Socket s = Clients.connect(ts.port)) {
            for (int i = 0; i < 10; i++) {
                s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(Clients.readN(s.getInputStream(), 5)).isEqualTo("ping\n".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(100);
            }
            assertThat(ts.server.listener("line").closed(CloseReason.READ_TIMEOUT)).isZero();
        }
    }

    @Test
    void outputThatMakesNoProgressIsAbortedByTheWriteTimeout() throws Exception {
        ListenerSpec config = ListenerSpec.of("echo", 0, new EchoHandler())
                .withTimeouts(Duration.ZERO, Duration.ZERO, Duration.ofMillis(400));
        try (TestServer ts = TestServer.start(config);
                NonReadingClient hog = NonReadingClient.connect(ts.port, 64 * KIB)) {
            // Sends until the server's output makes no progress for the write timeout and it aborts the connection.
            ByteBuffer junk = ByteBuffer.allocate(64 * KIB);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
                junk.clear();
                try {
                    hog.write(junk);
                } catch (IOException e) {
                    // reset by the server's abort
                }
                return ts.server.listener("echo").closed(CloseReason.WRITE_TIMEOUT) == 1;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == 0);
        }
    }

    @Test
    void aThrowingHandlerClosesOnlyItsConnection() throws Exception {
        ListenerSpec config = ListenerSpec.of("line", 0, new LineEchoHandler());
        try (LogCapture log = LogCapture.start(Connection.class.getName());
                TestServer ts = TestServer.start(config, 1, 16 * KIB);
                Socket bystander = Clients.connect(ts.port);
                Socket victim = Clients.connect(ts.port)) {
            victim.getOutputStream().write("boom\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(Clients.readToEnd(victim.getInputStream())).isEmpty();
            bystander.getOutputStream().write("fine\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(Clients.readN(bystander.getInputStream(), 5)).isEqualTo("fine\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(ts.server.listener("line").closed(CloseReason.HANDLER_ERROR)).isEqualTo(1);
            // A handler's failure is a bug to fix: logged as a warning, with its stack.
            assertThat(log.atLeast(Level.WARNING, "handler failed")).singleElement()
                    .satisfies(r -> assertThat(r.getThrown()).hasMessage("boom requested"));
        }
    }

    @Test
    void recycledConnectionsAndChunksCarryNothingOfThePreviousPeer() throws Exception {
        // One loop and a tiny write watermark, so the next peers land on the objects and chunks peer A left.
        ListenerSpec config = ListenerSpec.of("line", 0, new LineEchoHandler()).withWatermarks(8 * KIB, 4 * KIB, KIB);
        try (TestServer ts = TestServer.start(config, 1, KIB)) {
            byte[] secret = ("SECRET-" + "A".repeat(90) + "\n").getBytes(StandardCharsets.US_ASCII);
            for (int round = 0; round < 5; round++) {
                try (NonReadingClient a = NonReadingClient.connect(ts.port, 4 * KIB)) {
                    // Lines the server echoes into an output the peer never reads, until the server holds output and
                    // input of its own and has stopped reading; then a reset leaves everything behind.
                    a.pipelineUntilFull(secret, () -> ts.server.outputBytes() > 4 * KIB, Duration.ofSeconds(20));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> ts.server.listener("line").openConnections() == 0);
                for (int peer = 0; peer < 3; peer++) {
                    try (Socket b = Clients.connect(ts.port)) {
                        byte[] mine = ("peer-" + round + "-" + peer + "\n").getBytes(StandardCharsets.US_ASCII);
                        b.getOutputStream().write(mine);
                        b.shutdownOutput();
                        byte[] got = Clients.readToEnd(b.getInputStream());
                        assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(new String(mine, StandardCharsets.US_ASCII));
                    }
                }
            }
            assertThat(ts.server.reusedConnections()).as("connection objects were recycled").isGreaterThan(10);
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == 0);
            assertThat(ts.server.inputBytes()).isZero();
            assertThat(ts.server.outputBytes()).isZero();
        }
    }

    @Test
    void overTheConnectionLimitClientsAreRefusedAndCounted() throws Exception {
        ListenerSpec config = ListenerSpec.of("echo", 0, new EchoHandler()).withMaxConnections(2);
        try (TestServer ts = TestServer.start(config);
                Socket first = Clients.connect(ts.port);
                Socket second = Clients.connect(ts.port)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> ts.server.listener("echo").openConnections() == 2);
            try (Socket third = Clients.connect(ts.port)) {
                InputStream in = third.getInputStream();
                try {
                    assertThat(in.read()).isEqualTo(-1);
                } catch (SocketException reset) {
                    // also a refusal
                }
            }
            // The client can see the close before the acceptor has counted it.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> ts.server.listener("echo").rejected(BoundListener.RejectReason.LIMIT) == 1);
            first.getOutputStream().write('1');
            assertThat(first.getInputStream().read()).isEqualTo('1');
        }
    }
}
