package io.evbase.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Figures;
import java.io.InputStream;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One request naming a 1 MB value 700 times ({@code get}, {@code gets}, {@code gat},
 * {@code gats}, and a pipeline of 700 {@code mg}). The reply is produced as the socket drains, so it costs the write
 * high watermark plus one value of pooled memory, not 700 MB; no loop stalls, and the client gets all 700 values
 * byte for byte.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class HugeMultigetHostileTest {

    private static final int VALUE = 1_048_000;
    private static final int COPIES = 700;

    @Test
    void aReplyLargerThanTheWatermarkIsProducedAsTheClientReads() throws Exception {
        byte[] value = MemcacheLine.value(42, VALUE);
        try (HostileServer server = HostileServer.start(); Bystander bystander = new Bystander(server.port);
                Sampler sampler = new Sampler(server); Socket client = MemcacheLine.connect(server.port)) {
            MemcacheLine.set(client, "big", value);
            long baseline = server.poolAllocated();
            String[] requests = {"get" + " big".repeat(COPIES) + "\r\n", "gets" + " big".repeat(COPIES) + "\r\n",
                "gat 0" + " big".repeat(COPIES) + "\r\n", "gats 0" + " big".repeat(COPIES) + "\r\n",
                "mg big v f\r\n".repeat(COPIES)};
            StringBuilder times = new StringBuilder();
            InputStream in = client.getInputStream();
            byte[] got = new byte[VALUE + 2];
            for (String request : requests) {
                String command = request.substring(0, request.indexOf(' '));
                long t0 = System.nanoTime();
                MemcacheLine.send(client, request);
                for (int i = 0; i < COPIES; i++) {
                    String header;
                    try {
                        header = MemcacheLine.line(in);
                    } catch (java.io.IOException e) {
                        throw new AssertionError(command + ": no reply " + i + " of " + COPIES + " within 30 s; "
                                + "server output:\n" + server.tail(40), e);
                    }
                    assertThat(header).as("%s header %d", command, i)
                            .startsWith(command.equals("mg") ? "VA " + VALUE : "VALUE big 0 " + VALUE);
                    MemcacheLine.readFully(in, got);
                    assertThat(Arrays.equals(got, 0, VALUE, value, 0, VALUE)).as("%s value %d", command, i).isTrue();
                }
                if (!command.equals("mg")) {
                    assertThat(MemcacheLine.line(in)).isEqualTo("END");
                }
                times.append(String.format(java.util.Locale.ROOT, " %s %.2f s", command,
                        (System.nanoTime() - t0) / 1e9));
            }
            sampler.close();
            bystander.stop();
            long stalls = server.stalls();
            Figures.print("multiget of one value 700 times", "%d x %d bytes per request,%s; pooled memory at most "
                    + "%d KiB above the %d KiB before; %d loop stalls; health not 200 in %d of %d samples; %s",
                    COPIES, VALUE, times, Math.max(0, sampler.maxPool() - baseline) >> 10, baseline >> 10, stalls,
                    sampler.notHealthy(), sampler.samples(), bystander.figures());
            assertThat(sampler.maxPool() - baseline).as("pooled direct memory for the reply")
                    .isLessThanOrEqualTo(64L << 20);
            assertThat(stalls).isZero();
            assertThat(server.sawOutOfMemory()).isFalse();
            assertThat(sampler.notHealthy()).as("health (last: %s)", sampler.lastProblem()).isZero();
            assertThat(bystander.errors()).isEmpty();
            assertThat(bystander.misses()).isZero();
        }
    }
}
