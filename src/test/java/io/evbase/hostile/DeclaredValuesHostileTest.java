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
 * 1,000 connections each declare a 1,048,000-byte value (half with {@code set}, half with
 * {@code ms}) and send nothing more. The declared values are charged to the store's budget before anything is
 * allocated: at most half of the 64 MB store is taken by values in flight, the others are refused with
 * {@code SERVER_ERROR out of memory storing object}; the heap stays bounded, health stays 200, the bystander
 * never fails, and everything is given back when the connections close.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class DeclaredValuesHostileTest {

    private static final int CLIENTS = 1000;
    private static final int VALUE = 1_048_000;

    @Test
    void valuesDeclaredAndNeverSentCannotExhaustTheHeap() throws Exception {
        try (HostileServer server = HostileServer.start(); Bystander bystander = new Bystander(server.port);
                Sampler sampler = new Sampler(server)) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = MemcacheLine.connect(server.port);
                    MemcacheLine.send(s, i % 2 == 0 ? "set hostile" + i + " 0 0 " + VALUE + "\r\n"
                            : "ms hostile" + i + " " + VALUE + " T0\r\n");
                    clients.add(s);
                }
                // every line parsed: charged (in flight) or refused
                long weight = 160 + "hostile000".length() + VALUE + 2;
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            var st = server.stats();
                            long inFlight = Long.parseLong(st.get("evbase_values_in_flight_bytes"));
                            long refused = Long.parseLong(st.get("store_no_memory"));
                            return Math.round((double) inFlight / weight) + refused >= CLIENTS;
                        });
                var stats = server.stats();
                long inFlight = Long.parseLong(stats.get("evbase_values_in_flight_bytes"));
                long refused = Long.parseLong(stats.get("store_no_memory"));
                // hold them for a while: the heap, health and the bystander are sampled meanwhile
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < until) {
                    assertThat(server.alive()).isTrue();
                    Thread.sleep(250);
                }
                long liveHeap = server.liveHeap();
                Figures.print("declared values", "%d connections declared %d bytes each: %d charged (%d MiB in flight), "
                        + "%d refused; heap used at most %d MiB (live after a full GC %d MiB), health not 200 in %d "
                        + "of %d samples, %s", CLIENTS, VALUE, Math.round((double) inFlight / weight), inFlight >> 20, refused,
                        sampler.maxHeap() >> 20, liveHeap >> 20, sampler.notHealthy(), sampler.samples(),
                        bystander.figures());
                assertThat(inFlight).as("values in flight hold at most half of the 64 MB store")
                        .isLessThanOrEqualTo(32L << 20);
                assertThat(refused).isGreaterThanOrEqualTo(CLIENTS - (32L << 20) / weight);
                assertThat(sampler.maxHeap()).as("heap used").isLessThan(450L << 20);
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Long.parseLong(server.stats().get("evbase_values_in_flight_bytes")) == 0);
            sampler.close();
            bystander.stop();
            assertThat(server.sawOutOfMemory()).as("OutOfMemoryError in the child's output").isFalse();
            assertThat(sampler.notHealthy()).as("samples with health not 200 (last: %s)", sampler.lastProblem())
                    .isZero();
            assertThat(bystander.errors()).isEmpty();
            assertThat(bystander.misses()).as("nothing the bystander stored was lost").isZero();
        }
    }
}
