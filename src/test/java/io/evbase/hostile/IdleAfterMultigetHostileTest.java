package io.evbase.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Figures;
import java.io.InputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 250 connections each send one maximal multiget (a line of about 512 KB naming ~170,000 keys that
 * all hit), read the reply, then stay idle. Nothing sized by that request stays with a connection: the live heap per
 * idle connection afterwards is the figure of a connection that only sent {@code version}.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class IdleAfterMultigetHostileTest {

    private static final int CLIENTS = 250;
    private static final int VALUE = 16;

    @Test
    void aConnectionKeepsNothingOfItsLargestRequest() throws Exception {
        try (HostileServer server = HostileServer.start(); Socket setup = MemcacheLine.connect(server.port)) {
            for (int k = 0; k < 10; k++) {
                MemcacheLine.set(setup, "k" + k, MemcacheLine.value(k, VALUE));
            }
            StringBuilder line = new StringBuilder("get");
            int keys = 0;
            while (line.length() + 5 < 512 * 1024 - 64) {
                line.append(" k").append(keys % 10);
                keys++;
            }
            byte[] request = line.append("\r\n").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            long replyBytes = (long) keys * ("VALUE k0 0 16\r\n".length() + VALUE + 2) + "END\r\n".length();

            // one multiget first, on the setup connection: what the server grows once for all (the loops' histograms,
            // the store's frequency sketch) is then in the baseline, and only the connections' own state is compared
            setup.getOutputStream().write(request);
            readReply(setup, replyBytes);
            long before = liveHeap(server);
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = MemcacheLine.connect(server.port);
                    MemcacheLine.send(s, "version\r\n");
                    assertThat(MemcacheLine.line(s.getInputStream())).startsWith("VERSION");
                    clients.add(s);
                }
                long idle = liveHeap(server);
                long t0 = System.nanoTime();
                for (Socket s : clients) {
                    s.getOutputStream().write(request);
                    readReply(s, replyBytes);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long after = liveHeap(server);
                double idlePer = (idle - before) / (double) CLIENTS;
                double afterPer = (after - before) / (double) CLIENTS;
                Figures.print("idle after a maximal multiget", "%d connections, each a %d-byte get of %d hits "
                        + "(%d-byte reply) in %.1f s; live heap per idle connection %.0f B before, %.0f B after",
                        CLIENTS, request.length, keys, replyBytes, seconds, idlePer, afterPer);
                assertThat(afterPer).as("live heap per idle connection after the multiget")
                        .isLessThanOrEqualTo(idlePer + 256); // back to the idle figure, give or take heap noise
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
        }
    }

    /**
     * Live heap without long arrays: the loops' latency histograms (HdrHistogram copies the meters and the load
     * history take) grow with time, not with connections, and no connection state is a long array.
     */
    private static long liveHeap(HostileServer server) throws Exception {
        return server.liveHeapExcept("[J");
    }

    /** Reads a reply of {@code length} bytes and checks that it ends with END. */
    private static void readReply(Socket s, long length) throws java.io.IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[1 << 16];
        byte[] tail = new byte[5];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            assertThat(n).as("reply bytes").isPositive();
            left -= n;
            if (left < 5) {
                int take = (int) Math.min(n, 5 - left); // the last five bytes, to check the reply ends with END
                System.arraycopy(tail, take, tail, 0, 5 - take);
                System.arraycopy(buf, n - take, tail, 5 - take, take);
            }
        }
        assertThat(new String(tail, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("END\r\n");
    }
}
