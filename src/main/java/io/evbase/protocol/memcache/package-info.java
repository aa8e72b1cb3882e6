/**
 * A memcached-compatible cache as an evbase protocol handler: memcached 1.6's text protocol, classic and meta
 * commands, reproduced down to its error strings and odd corners, over a W-TinyLFU store bounded by memory.
 *
 * <p>The pieces: {@link io.evbase.protocol.memcache.MemcacheHandler} (the protocol, one per listener),
 * {@link io.evbase.protocol.memcache.RequestParser} (the per-connection state machine: lines, data blocks,
 * swallowing), {@code CommandProcessor} and {@code MetaCommands} (the commands), {@code StatsReporter},
 * {@link io.evbase.protocol.memcache.MemcacheStore} (the shared cache) and
 * {@link io.evbase.protocol.memcache.ServerStatsSource} (what the server tells {@code stats}), with
 * {@code InFlightValues} (values declared and not yet received, charged to the store's limit), {@code ItemKey} and
 * {@code SipHash} (keys with a seeded hash), {@link io.evbase.protocol.memcache.AuthFile} and
 * {@link io.evbase.protocol.memcache.MemcacheAccess} (authentication and the administrative switches). No Spring
 * here.
 *
 * <p>The deliberate differences from memcached are listed in docs/memcache.md.
 */
package io.evbase.protocol.memcache;
