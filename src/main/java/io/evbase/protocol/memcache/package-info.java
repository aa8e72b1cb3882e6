/**
 * A memcached-compatible cache as an evbase protocol handler: memcached 1.6's text protocol, classic and meta
 * commands, reproduced down to its error strings and odd corners, over a store bounded by memory that keeps items
 * in large arrays and evicts by S3-FIFO.
 *
 * <p>The pieces, from bytes to the store: {@link io.evbase.protocol.memcache.MemcacheHandler} (the protocol, one per
 * listener, and its per-connection session), {@link io.evbase.protocol.memcache.RequestParser} (the session's state
 * machine: lines, data blocks, swallowing), {@code CommandProcessor} and {@code MetaCommands} (the commands),
 * {@code PendingStore} (a storage command waiting for its data block), {@code Replies} and {@code MetaEcho} (how
 * replies are written), {@code StatsReporter}, {@link io.evbase.protocol.memcache.MemcacheStore} (the shared cache:
 * {@code ItemIndex}, {@code Segments}, {@code ItemLayout}, {@code Eviction} and {@code Ghosts}, {@code Expiry},
 * {@code IncrDecr}) and
 * {@link io.evbase.protocol.memcache.ServerStatsSource} (what the server tells {@code stats}), with
 * {@code InFlightValues} (values declared and not yet received, charged to the store's limit),
 * {@code ValueReferences} and {@code OutputReferences} (large values replies refer to), {@code SipHash} (keys with a
 * seeded hash), {@link io.evbase.protocol.memcache.AuthFile} and
 * {@link io.evbase.protocol.memcache.MemcacheAccess} (authentication and the administrative switches). No Spring
 * here.
 *
 * <p>The deliberate differences from memcached are listed in docs/memcache.md.
 */
package io.evbase.protocol.memcache;
