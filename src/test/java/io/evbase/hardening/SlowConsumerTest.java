package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.net.Connection;
import io.evbase.net.ConnectionHandler;
import io.evbase.net.ListenerSpec;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LineEchoHandler;
import io.evbase.support.LogCapture;
import io.evbase.support.NonReadingClient;
import io.evbase.support.TestServer;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A client that pipelines requests and never reads its replies. The server stops reading it once
 * its output passes the write high watermark, so it holds at most the write high watermark plus one reply (at most
 * a chunk) of output, and at most the read high watermark of input; other clients are served meanwhile.
 */
class SlowConsumerTest {

    private static final int KIB = 1024;
    private static final int CHUNK = 16 * KIB;
    private static final int READ_HIGH = 64 * KIB;
    private static final int WRITE_HIGH = 128 * KIB;
    private static final int WRITE_LOW = 32 * KIB;

    /** "get\n" answers a 4000-byte value, like a memcache get: the reply is far larger than the request. */
    static final class AmplifyingHandler implements ProtocolHandler<Session> {
        static final byte[] VALUE = new byte[4000];
        private final LineFramer lines = new LineFramer(1024);

        @Override
        public Session open(Connection c) {
            return () -> onRead(c);
        }

        private void onRead(Connection c) {
            int lf;
            while (c.isWritable() && (lf = lines.findLineEnd(c.input())) >= 0) {
                c.input().skip(lf + 1);
                c.output().writeAscii("VALUE k 0 4000\r\n").write(VALUE).writeAscii("\r\nEND\r\n");
            }
        }
    }

    @Test
    void echo() throws Exception {
        measure("echo", new EchoHandler(), "x".repeat(99) + "\n", CHUNK);
    }

    /** Small requests that arrive one by one: each server read brings about one, in a chunk of its own. */
    @Test
    void echoOfSmallSeparateWrites() throws Exception {
        measure("echo, 100-byte writes arriving one by one", new EchoHandler(), "z".repeat(99) + "\n", CHUNK, true);
    }

    @Test
    void lineEcho() throws Exception {
        measure("line echo", new LineEchoHandler(), "y".repeat(99) + "\n", 100);
    }

    @Test
    void amplifyingGets() throws Exception {
        measure("4000-byte gets", new AmplifyingHandler(), "get\n", 4000 + 16 + 7);
    }

    private void measure(String name, ConnectionHandler handler, String request, int largestReply) throws Exception {
        measure(name, handler, request, largestReply, false);
    }

    private void measure(String name, ConnectionHandler handler, String request, int largestReply, boolean oneByOne)
            throws Exception {
        ListenerSpec config = ListenerSpec.of("slow", 0, handler).withWatermarks(READ_HIGH, WRITE_HIGH, WRITE_LOW);
        try (LogCapture log = LogCapture.start("io.evbase"); TestServer ts = TestServer.start(config, 1, CHUNK);
                NonReadingClient hog = NonReadingClient.connect(ts.port, 16 * KIB)) {
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong maxOut = new AtomicLong();
            AtomicLong maxIn = new AtomicLong();
            AtomicLong maxPool = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxOut.accumulateAndGet(ts.server.outputBytes(), Math::max);
                    maxIn.accumulateAndGet(ts.server.inputBytes(), Math::max);
                    maxPool.accumulateAndGet(ts.pool().inUseBytes(), Math::max);
                    Thread.onSpinWait();
                }
            }, "sampler");
            sampler.start();

            byte[] one = request.getBytes(StandardCharsets.US_ASCII);
            if (oneByOne) {
                // Fill the kernel's buffers until the server starts holding output, then 100-byte writes paced so
                // that the server reads each alone (the pace is this client's way of sending), until the output
                // passes the watermark.
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                ByteBuffer some = ByteBuffer.allocate(4 * KIB);
                while (ts.server.outputBytes() == 0 && System.nanoTime() < deadline) {
                    some.clear();
                    hog.write(some);
                    Thread.sleep(0, 100_000);
                }
                while (ts.server.outputBytes() <= WRITE_HIGH && System.nanoTime() < deadline) {
                    hog.write(ByteBuffer.wrap(one));
                    long until = System.nanoTime() + 100_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
            }
            // Then pipelined until the server has stopped reading (its output past the watermark) and every buffer
            // on the way is full.
            long sent = hog.pipelineUntilFull(one, () -> ts.server.outputBytes() > WRITE_HIGH, Duration.ofSeconds(20));
            // Another client is served while the hog holds its share.
            try (Socket other = Clients.connect(ts.port)) {
                other.getOutputStream().write(one);
                assertThat(Clients.readN(other.getInputStream(), 1)).hasSize(1);
            }
            sampling.set(false);
            sampler.join();
            long heldOut = ts.server.outputBytes();
            long heldIn = ts.server.inputBytes();
            long heldPool = ts.pool().inUseBytes();
            hog.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> ts.pool().inUseBytes() == 0);
            assertThat(log.escapes()).isEmpty();

            long outBound = WRITE_HIGH + Math.max(largestReply, 0);
            Figures.print("5 slow consumer (" + name + ")",
                    "client pipelined %d KiB of requests and never read; server held at most %d KiB output (bound"
                            + " write-high %d KiB + one reply %d B = %d KiB), %d KiB input (read-high %d KiB), %d KiB"
                            + " of pooled chunks in use (at rest: out %d KiB, in %d KiB, pool %d KiB); back to 0 after"
                            + " the client left",
                    sent / KIB, maxOut.get() / KIB, WRITE_HIGH / KIB, largestReply, outBound / KIB, maxIn.get() / KIB,
                    READ_HIGH / KIB, maxPool.get() / KIB, heldOut / KIB, heldIn / KIB, heldPool / KIB);
            assertThat(sent).as("the kernel took a lot, the server only its share").isGreaterThan(WRITE_HIGH);
            assertThat(maxOut.get()).isLessThanOrEqualTo(outBound);
            assertThat(maxIn.get()).isLessThanOrEqualTo(READ_HIGH);
            // Chunks: the bytes above, each side rounded up to whole chunks, plus a partly filled chunk per side.
            assertThat(maxPool.get()).isLessThanOrEqualTo(roundUp(outBound) + roundUp(READ_HIGH) + 2L * CHUNK);
        }
    }

    private static long roundUp(long bytes) {
        return (bytes + CHUNK - 1) / CHUNK * CHUNK;
    }
}
