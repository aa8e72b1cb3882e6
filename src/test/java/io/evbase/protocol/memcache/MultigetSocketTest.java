package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Over a real connection: one {@code get} line naming a 1 MB value hundreds of times is answered in full and byte
 * for byte, while the server holds about the write high watermark plus one value of pooled memory for it, however
 * the client's reads and the server's flushes interleave (the reply resumes both on a writability change and when
 * a flush alone brought the output back under the watermark).
 */
class MultigetSocketTest {

    private static final int VALUE = 1_048_000;
    private static final int COPIES = 300;

    @Test
    void aHugeMultigetIsProducedAsTheClientReads() throws Exception {
        multiget(64 * 1024);
    }

    /** With the kernel's own receive buffer the flushes and writability changes interleave differently. */
    @Test
    void aHugeMultigetWithTheDefaultReceiveBuffer() throws Exception {
        multiget(0);
    }

    private void multiget(int receiveBuffer) throws Exception {
        byte[] value = new byte[VALUE];
        new Random(7).nextBytes(value);
        for (int i = 0; i < VALUE; i++) {
            value[i] = (byte) (value[i] == '\r' || value[i] == '\n' ? 'x' : value[i]);
        }
        try (MemcacheTestServer server = new MemcacheTestServer(); Socket s = new Socket()) {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            s.setSoTimeout(30_000); // a reply that stops resuming fails instead of hanging
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(("set big 3 0 " + VALUE + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(value);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(line(in)).isEqualTo("STORED");

            AtomicLong peak = new AtomicLong();
            AtomicLong refPeak = new AtomicLong();
            AtomicBoolean done = new AtomicBoolean();
            Thread sampler = new Thread(() -> {
                while (!done.get()) {
                    peak.accumulateAndGet(server.server.bufferPool().inUseBytes(), Math::max);
                    refPeak.accumulateAndGet(server.handler.store().referencedBytes(), Math::max);
                    Thread.onSpinWait();
                }
            });
            sampler.start();
            long baseline = server.server.bufferPool().inUseBytes();
            out.write(("get" + " big".repeat(COPIES) + "\r\nmn\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] got = new byte[VALUE + 2];
            for (int i = 0; i < COPIES; i++) {
                assertThat(line(in)).as("header %d", i).isEqualTo("VALUE big 3 " + VALUE);
                in.readFully(got);
                assertThat(Arrays.equals(got, 0, VALUE, value, 0, VALUE)).as("value %d byte-exact", i).isTrue();
                assertThat(got[VALUE] == '\r' && got[VALUE + 1] == '\n').isTrue();
            }
            assertThat(line(in)).isEqualTo("END");
            assertThat(line(in)).isEqualTo("MN");
            done.set(true);
            sampler.join();
            System.out.printf("multiget of %d x %d bytes: pooled memory peak %d KiB above %d KiB, values referred to "
                    + "%d KiB at most%n", COPIES, VALUE, (peak.get() - baseline) >> 10, baseline >> 10,
                    refPeak.get() >> 10);
            // the write high watermark (1 MiB) plus one value plus a chunk or two of rounding, were it all copied
            assertThat(peak.get() - baseline).isLessThan(4L << 20);
            assertThat(refPeak.get()).as("values referred to: about two rounds of the watermark and a value")
                    .isLessThan(8L << 20);
            // the values the replies referred to are given back once written
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> server.handler.store().referencedBytes() == 0);
        }
    }

    private static String line(DataInputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("closed after " + sb);
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
