package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.net.tls.ListenerTls;
import java.time.Duration;
import java.util.List;

/**
 * An evbase server with a memcache listener on an ephemeral 127.0.0.1 port, for integration tests; closing it
 * shuts the server down. Also runnable ({@link #main}) for poking at by hand with nc or memccapable.
 */
final class MemcacheTestServer implements AutoCloseable {

    final MemcacheHandler handler;
    final ServerStatsAdapter statsSource = new ServerStatsAdapter();
    final Server server;

    MemcacheTestServer() throws Exception {
        this(MemcacheSettings.defaults(), 0);
    }

    MemcacheTestServer(MemcacheSettings settings, int port) throws Exception {
        this(settings, port, MemcacheClock.SYSTEM);
    }

    MemcacheTestServer(MemcacheSettings settings, int port, MemcacheClock clock) throws Exception {
        this(settings, port, clock, null);
    }

    /** A memcache listener with TLS ({@code tls} null: plaintext). */
    MemcacheTestServer(ListenerTls tls) throws Exception {
        this(MemcacheSettings.defaults(), 0, MemcacheClock.SYSTEM, tls);
    }

    private MemcacheTestServer(MemcacheSettings settings, int port, MemcacheClock clock, ListenerTls tls)
            throws Exception {
        MemcacheStore store = new MemcacheStore(settings.memoryLimit(), settings.maxItemSize(), clock);
        handler = new MemcacheHandler(store, settings, statsSource);
        server = new Server(new EventBaseGroup(2, "test-loop-", Dispatch.ROUND_ROBIN),
                new BufferPool(16384, 1 << 20, 64 << 20),
                List.of(ListenerSpec.of("memcache", port, handler).withTls(tls)));
        server.start();
        statsSource.attach(server);
    }

    int port() {
        return server.listener("memcache").port();
    }

    @Override
    public void close() throws Exception {
        server.shutdown(Duration.ofSeconds(2));
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 11211;
        try (MemcacheTestServer s = new MemcacheTestServer(MemcacheSettings.defaults(), port)) {
            System.out.println("memcache on 127.0.0.1:" + s.port());
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
