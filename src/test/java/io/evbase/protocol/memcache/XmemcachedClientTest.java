package io.evbase.protocol.memcache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.rubyeye.xmemcached.CASOperation;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.TextCommandFactory;
import net.rubyeye.xmemcached.exception.MemcachedServerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memcache handler driven by xmemcached (a Java client from Maven Central, text protocol) through every
 * operation an application uses: set, add, replace, append, prepend, cas, get, gets, multi-get, touch,
 * delete, incr, decr, flush_all, version, verbosity, stats, and concurrent read-modify-write.
 */
class XmemcachedClientTest {

    private static MemcacheTestServer server;
    private static MemcachedClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new MemcacheTestServer();
        XMemcachedClientBuilder b = new XMemcachedClientBuilder(List.of(new InetSocketAddress("127.0.0.1", server.port())));
        b.setCommandFactory(new TextCommandFactory());
        b.setConnectionPoolSize(2);
        b.setOpTimeout(5000);
        client = b.build();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (client != null) {
                client.shutdown();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @BeforeEach
    void flush() throws Exception {
        client.flushAll();
    }

    @Test
    void storageCommands() throws Exception {
        assertTrue(client.set("k", 0, "v1"));
        assertEquals("v1", client.get("k"));
        assertFalse(client.add("k", 0, "v2"));
        assertTrue(client.add("k2", 0, "a"));
        assertTrue(client.replace("k", 0, "v3"));
        assertFalse(client.replace("missing", 0, "x"));
        assertEquals("v3", client.get("k"));
        assertTrue(client.append("k2", "b"));
        assertTrue(client.prepend("k2", "_"));
        assertEquals("_ab", client.get("k2"));
        assertFalse(client.append("missing", "x"));
    }

    @Test
    void casCommands() throws Exception {
        client.set("c", 0, "one");
        GetsResponse<String> g = client.gets("c");
        assertEquals("one", g.getValue());
        assertTrue(client.cas("c", 0, "two", g.getCas()));
        assertFalse(client.cas("c", 0, "three", g.getCas()), "stale CAS must fail");
        assertEquals("two", client.get("c"));
        assertTrue(client.cas("c", 0, new CASOperation<String>() {
            @Override
            public int getMaxTries() {
                return 5;
            }

            @Override
            public String getNewValue(long currentCAS, String currentValue) {
                return currentValue + "!";
            }
        }));
        assertEquals("two!", client.get("c"));
    }

    @Test
    void retrievalCommands() throws Exception {
        for (int i = 0; i < 50; i++) {
            client.set("m" + i, 0, "v" + i);
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add("m" + i);
        }
        Map<String, String> got = client.get(keys);
        assertEquals(50, got.size());
        assertEquals("v7", got.get("m7"));
        Map<String, GetsResponse<String>> gets = client.gets(keys);
        assertEquals(50, gets.size());
        assertNull(client.get("nothing"));
        // xmemcached sends gat only over the binary protocol; gat/gats are covered by the differential test.
        assertTrue(client.touch("m3", 200));
        assertFalse(client.touch("nothing", 200));
    }

    @Test
    void binaryValuesAndLargeOnes() throws Exception {
        byte[] big = new byte[900_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        assertTrue(client.set("big", 0, big));
        assertArrayEquals(big, client.get("big"));
        byte[] tooBig = new byte[1_048_560]; // under the client's 1 MB cap, over memcached's item limit
        new java.util.Random(1).nextBytes(tooBig); // incompressible, so the client sends it as it is
        assertThrows(MemcachedServerException.class, () -> client.set("huge", 0, tooBig));
        assertTrue(client.set("after", 0, "still fine"), "the connection survives a refused item");
        assertEquals("still fine", client.get("after"));
    }

    @Test
    void deleteAndCounters() throws Exception {
        client.set("d", 0, "x");
        assertTrue(client.delete("d"));
        assertFalse(client.delete("d"));
        assertEquals(10, client.incr("n", 5, 10)); // created with the initial value
        assertEquals(15, client.incr("n", 5));
        assertEquals(12, client.decr("n", 3));
        assertEquals(0, client.decr("n", 100), "decr stops at 0");
        client.set("w", 0, "18446744073709551615");
        assertEquals(0, client.incr("w", 1), "incr wraps at 2^64");
    }

    @Test
    void expiry() throws Exception {
        client.set("e", 1_000_000_000, "gone"); // absolute time in the past
        assertNull(client.get("e"));
        client.set("e2", 1000, "stays");
        assertEquals("stays", client.get("e2"));
    }

    @Test
    void serverCommands() throws Exception {
        Map<InetSocketAddress, String> versions = client.getVersions();
        assertEquals(MemcacheHandler.VERSION, versions.values().iterator().next());
        client.setLoggingLevelVerbosity(versions.keySet().iterator().next(), 1);
        Map<InetSocketAddress, Map<String, String>> stats = client.getStats();
        Map<String, String> s = stats.values().iterator().next();
        assertNotNull(s.get("curr_items"));
        assertEquals("2", s.get("threads"));
        assertNotNull(s.get("evbase_loop_0_pending_tasks"));
        assertNotNull(s.get("evbase_buffer_in_use_bytes"));
        Map<InetSocketAddress, Map<String, String>> settings = client.getStatsByItem("settings");
        Map<String, String> items = settings.values().iterator().next();
        assertEquals(String.valueOf(64L << 20), items.get("maxbytes"));
    }

    @Test
    void concurrentIncrementsAreAtomic() throws Exception {
        client.set("ctr", 0, "0");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        client.incr("ctr", 1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals("1000", client.get("ctr").toString().trim());
    }
}
