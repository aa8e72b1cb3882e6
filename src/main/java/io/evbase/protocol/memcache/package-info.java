/**
 * A memcached-compatible cache as an evbase protocol handler: memcached 1.6's text protocol, classic and meta
 * commands, reproduced down to its error strings and odd corners, over a W-TinyLFU store bounded by memory.
 *
 * <p>The pieces: {@link io.evbase.protocol.memcache.MemcacheHandler} (the protocol, one per listener),
 * {@link io.evbase.protocol.memcache.RequestParser} (the per-connection state machine: lines, data blocks,
 * swallowing), {@code CommandProcessor} and {@code MetaCommands} (the commands), {@code StatsReporter},
 * {@link io.evbase.protocol.memcache.MemcacheStore} (the shared cache) and
 * {@link io.evbase.protocol.memcache.ServerStatsSource} (what the server tells {@code stats}). No Spring here.
 *
 * <p>The deliberate differences from memcached are listed in README-memcache.md.
 */
package io.evbase.protocol.memcache;
