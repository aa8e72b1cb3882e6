package io.evbase.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Figures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 32,768 keys built from "Aa"/"BB" blocks share one {@code Arrays.hashCode}. Keys hash with a
 * per-process seeded SipHash and compare as bytes, so they spread over the table: inserting them takes about as
 * long as inserting as many ordinary keys of the same length in the same run (at most 3 times as long), and no
 * loop stalls.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class HashFloodHostileTest {

    private static final int BLOCKS = 15; // 2^15 = 32,768 keys of 30 bytes

    @Test
    void collidingKeysInsertAsFastAsOrdinaryOnes() throws Exception {
        try (HostileServer server = HostileServer.start(); Bystander bystander = new Bystander(server.port);
                Socket client = MemcacheLine.connect(server.port)) {
            insert(client, ordinary("w")); // warm-up: the same code paths, compiled
            double ordinary = insert(client, ordinary("o"));
            double colliding = insert(client, colliding());
            double ordinaryAgain = insert(client, ordinary("p"));
            bystander.stop();
            long stalls = server.stalls();
            long items = server.stat("curr_items");
            Figures.print("hash flooding", "32,768 ordinary keys inserted in %.3f s and %.3f s, 32,768 keys with one "
                    + "Arrays.hashCode in %.3f s (%.2fx); %d items held; %d loop stalls; %s", ordinary, ordinaryAgain,
                    colliding, colliding / Math.min(ordinary, ordinaryAgain), items, stalls, bystander.figures());
            assertThat(colliding).isLessThanOrEqualTo(3 * Math.max(ordinary, ordinaryAgain));
            assertThat(items).as("every key stored").isGreaterThanOrEqualTo(4 * 32_768 + 200);
            assertThat(stalls).isZero();
            assertThat(bystander.errors()).isEmpty();
            assertThat(bystander.misses()).isZero();
        }
    }

    /** Pipelines {@code set <key> 0 0 1 noreply} for every key, then {@code mn}; seconds until its {@code MN}. */
    private static double insert(Socket s, String[] keys) throws IOException {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (String k : keys) {
            batch.writeBytes(("set " + k + " 0 0 1 noreply\r\nx\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        batch.writeBytes("mn\r\n".getBytes(StandardCharsets.US_ASCII));
        long t0 = System.nanoTime();
        s.getOutputStream().write(batch.toByteArray());
        s.getOutputStream().flush();
        String reply = MemcacheLine.line(s.getInputStream());
        assertThat(reply).isEqualTo("MN");
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String[] ordinary(String prefix) {
        String[] keys = new String[1 << BLOCKS];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = String.format("%s%029d", prefix, i); // 30 bytes, as the colliding ones
        }
        return keys;
    }

    private static String[] colliding() {
        String[] keys = new String[1 << BLOCKS];
        for (int bits = 0; bits < keys.length; bits++) {
            StringBuilder k = new StringBuilder(2 * BLOCKS);
            for (int b = 0; b < BLOCKS; b++) {
                k.append((bits >>> b & 1) == 0 ? "Aa" : "BB");
            }
            keys[bits] = k.toString();
        }
        return keys;
    }
}
