package io.evbase.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Figures;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 300, then 1,000 clients each pipeline eight four-key gets of 1 MB values and never read. The
 * pool stays under its global budget (a connection that needs more memory waits for it, or is closed with a counted
 * reason), nothing runs out of memory, health stays 200, the bystander's p99 stays under 100 ms without an error,
 * and the pool is back to its baseline within 5 s after the clients leave.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class NonReadingClientsHostileTest {

    private static final int VALUE = 1_048_000;
    private static final String REQUESTS = "get v0 v1 v2 v3\r\n".repeat(8);

    @Test
    void clientsThatNeverReadCannotExhaustPooledMemory() throws Exception {
        try (HostileServer server = HostileServer.start(); Socket setup = MemcacheLine.connect(server.port)) {
            for (int v = 0; v < 4; v++) {
                MemcacheLine.set(setup, "v" + v, MemcacheLine.value(100 + v, VALUE));
            }
            long budget = (long) server.metric("evbase.buffer.pool.budget");
            assertThat(budget).as("the pool's global budget, shown on the actuator").isPositive();
            long baseline = server.poolUsed();
            for (int clients : new int[] {300, 1000}) {
                attack(server, clients, budget, baseline);
            }
        }
    }

    private static void attack(HostileServer server, int count, long budget, long baseline) throws Exception {
        List<Socket> clients = new ArrayList<>();
        try (Bystander bystander = new Bystander(server.port); Sampler sampler = new Sampler(server)) {
            try {
                for (int i = 0; i < count; i++) {
                    Socket s = MemcacheLine.connect(server.port);
                    s.setReceiveBufferSize(4096);
                    MemcacheLine.send(s, REQUESTS);
                    clients.add(s);
                }
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < until) {
                    assertThat(server.alive()).isTrue();
                    Thread.sleep(250); // the attack goes on; sampler and bystander measure
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            long left = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> server.poolUsed() <= baseline + (1L << 20));
            double recovery = (System.nanoTime() - left) / 1e9;
            sampler.close();
            bystander.stop();
            Figures.print("non-reading clients", "%d clients x 8 four-key gets of %d-byte values: pooled memory at "
                    + "most %d MiB (budget %d MiB), back to baseline %.1f s after they left; health not 200 in %d of "
                    + "%d samples; %s", count, VALUE, sampler.maxPool() >> 20, budget >> 20, recovery,
                    sampler.notHealthy(), sampler.samples(), bystander.figures());
            assertThat(sampler.maxPool()).as("pooled memory").isLessThanOrEqualTo(budget);
            assertThat(server.sawOutOfMemory()).isFalse();
            assertThat(sampler.notHealthy()).as("health (last: %s)", sampler.lastProblem()).isZero();
            assertThat(bystander.errors()).isEmpty();
            assertThat(bystander.p99Millis()).as("bystander p99, ms").isLessThan(100);
            assertThat(bystander.misses()).isZero();
        }
    }
}
