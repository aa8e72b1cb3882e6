package io.evbase.protocol.memcache;

/**
 * What every connection of a memcache handler shares: the store, the settings, the server figures for
 * {@code stats}, the meta commands, and the few server-wide settings a client can change ({@code verbosity}).
 *
 * <p>Threading: thread-safe (immutable references, a volatile verbosity).
 */
final class MemcacheContext {

    private final MemcacheStore store;
    private final MemcacheSettings settings;
    private final ServerStatsSource source;
    private final MetaCommands meta;
    private final long startedMillis = System.currentTimeMillis();
    private volatile int verbosity;
    private volatile boolean detailEnabled;

    MemcacheContext(MemcacheStore store, MemcacheSettings settings, ServerStatsSource source) {
        this.store = store;
        this.settings = settings;
        this.source = source;
        this.meta = new MetaCommands(store);
    }

    /** The meta commands, shared by every connection (they keep no state between commands). */
    MetaCommands meta() {
        return meta;
    }

    MemcacheStore store() {
        return store;
    }

    MemcacheSettings settings() {
        return settings;
    }

    ServerStatsSource source() {
        return source;
    }

    long startedMillis() {
        return startedMillis;
    }

    int verbosity() {
        return verbosity;
    }

    void setVerbosity(int level) {
        verbosity = level;
    }

    boolean detailEnabled() {
        return detailEnabled;
    }

    void setDetailEnabled(boolean on) {
        detailEnabled = on;
    }
}
