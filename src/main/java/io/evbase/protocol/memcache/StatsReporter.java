package io.evbase.protocol.memcache;

import io.evbase.net.ConnectionInfo;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code stats} command and its sub-commands: {@code stats} (memcached's general figures plus evbase's own,
 * prefixed {@code evbase_}), {@code settings}, {@code items} and {@code slabs} (the store has no slab classes, so
 * everything is reported as class 1), {@code sizes}, {@code conns}, {@code detail} and {@code reset}.
 *
 * <p>{@code stats conns} needs the connection lists of every loop, which only each loop may read: the command
 * suspends its connection's parser, the lists are gathered on the loops, and the reply is written (and parsing
 * resumed) on the connection's own loop through {@link Async}.
 *
 * <p>Threading: one instance per connection, on its loop thread.
 */
final class StatsReporter {

    /** Delivers a reply computed off the connection's loop back onto it, in order. */
    interface Async {
        /** Writes {@code reply}'s text when it completes, then resumes the parser. */
        void replyLater(CompletableFuture<String> reply);
    }

    private final MemcacheContext ctx;
    private final Async async;

    StatsReporter(MemcacheContext ctx, Async async) {
        this.ctx = ctx;
        this.async = async;
    }

    void process(RequestParser p, Replies replies, Tokenizer tok, byte[] line, int ntokens) {
        if (ntokens == 2) {
            StringBuilder sb = new StringBuilder(4096);
            general(sb);
            replies.out.writeAscii(sb.append("END\r\n"));
            return;
        }
        MemcacheAccess access = ctx.settings().access();
        if (tok.is(line, 1, "reset")) {
            if (!access.statsControl()) {
                replies.line("CLIENT_ERROR stats reset not allowed");
                return;
            }
            ctx.store().stats().reset();
            replies.line("RESET");
        } else if (tok.is(line, 1, "detail")) {
            if (!access.statsControl()) {
                replies.line("CLIENT_ERROR stats detail not allowed");
            } else if (ntokens < 4) {
                replies.line("CLIENT_ERROR usage: stats detail on|off|dump");
            } else if (tok.is(line, 2, "on")) {
                ctx.setDetailEnabled(true);
                replies.line("OK");
            } else if (tok.is(line, 2, "off")) {
                ctx.setDetailEnabled(false);
                replies.line("OK");
            } else if (tok.is(line, 2, "dump")) {
                replies.line("END"); // evbase keeps no per-prefix figures
            } else {
                replies.line("CLIENT_ERROR usage: stats detail on|off|dump");
            }
        } else if (tok.is(line, 1, "settings")) {
            StringBuilder sb = new StringBuilder(1024);
            settings(sb);
            replies.out.writeAscii(sb.append("END\r\n"));
        } else if (tok.is(line, 1, "items")) {
            StringBuilder sb = new StringBuilder(512);
            items(sb);
            replies.out.writeAscii(sb.append("END\r\n"));
        } else if (tok.is(line, 1, "slabs")) {
            StringBuilder sb = new StringBuilder(512);
            slabs(sb);
            replies.out.writeAscii(sb.append("END\r\n"));
        } else if (tok.is(line, 1, "sizes")) {
            replies.out.writeAscii("STAT sizes_status disabled\r\nEND\r\n");
        } else if (tok.is(line, 1, "cachedump")) {
            replies.line("CLIENT_ERROR stats cachedump not allowed");
        } else if (tok.is(line, 1, "conns")) {
            p.suspend();
            async.replyLater(ctx.source().connections().thenApply(StatsReporter::conns));
        } else {
            replies.line("ERROR");
        }
    }

    private static void stat(StringBuilder sb, String name, Object value) {
        sb.append("STAT ").append(name).append(' ').append(value).append("\r\n");
    }

    void general(StringBuilder sb) {
        MemcacheStats s = ctx.store().stats();
        MemcacheStore store = ctx.store();
        ServerStatsSource src = ctx.source();
        long nowMillis = System.currentTimeMillis();
        stat(sb, "pid", ProcessHandle.current().pid());
        stat(sb, "uptime", (nowMillis - ctx.startedMillis()) / 1000);
        stat(sb, "time", nowMillis / 1000);
        stat(sb, "version", MemcacheHandler.VERSION);
        stat(sb, "pointer_size", 64);
        stat(sb, "max_connections", src.maxConnections());
        stat(sb, "curr_connections", s.currConnections.sum());
        stat(sb, "total_connections", s.totalConnections.sum());
        stat(sb, "cmd_get", s.cmdGet());
        stat(sb, "cmd_set", s.cmdSet.sum());
        stat(sb, "cmd_flush", s.cmdFlush.sum());
        stat(sb, "cmd_touch", s.cmdTouch.sum());
        stat(sb, "cmd_meta", s.cmdMeta.sum());
        stat(sb, "get_hits", s.getHits.sum());
        stat(sb, "get_misses", s.getMisses.sum());
        stat(sb, "get_expired", s.getExpired.sum());
        stat(sb, "get_flushed", s.getFlushed.sum());
        stat(sb, "delete_misses", s.deleteMisses.sum());
        stat(sb, "delete_hits", s.deleteHits.sum());
        stat(sb, "incr_misses", s.incrMisses.sum());
        stat(sb, "incr_hits", s.incrHits.sum());
        stat(sb, "decr_misses", s.decrMisses.sum());
        stat(sb, "decr_hits", s.decrHits.sum());
        stat(sb, "cas_misses", s.casMisses.sum());
        stat(sb, "cas_hits", s.casHits.sum());
        stat(sb, "cas_badval", s.casBadval.sum());
        stat(sb, "touch_hits", s.touchHits.sum());
        stat(sb, "touch_misses", s.touchMisses.sum());
        stat(sb, "store_too_large", s.storeTooLarge.sum());
        stat(sb, "store_no_memory", s.storeNoMemory.sum());
        stat(sb, "auth_cmds", s.authCmds.sum());
        stat(sb, "auth_errors", s.authErrors.sum());
        stat(sb, "bytes_read", s.bytesRead.sum());
        stat(sb, "bytes_written", s.bytesWritten.sum());
        stat(sb, "limit_maxbytes", store.memoryLimit());
        stat(sb, "accepting_conns", 1);
        stat(sb, "threads", src.threads());
        stat(sb, "conn_yields", s.connYields.sum());
        stat(sb, "bytes", store.bytesUsed());
        stat(sb, "curr_items", store.itemCount());
        stat(sb, "total_items", s.totalItems.sum());
        stat(sb, "expired_unfetched", s.expiredUnfetched.sum());
        stat(sb, "evicted_unfetched", s.evictedUnfetched.sum());
        stat(sb, "evictions", s.evictions.sum());
        stat(sb, "reclaimed", s.reclaimed.sum());
        // What evbase knows better than memcached.
        for (ServerStatsSource.LoopFigures loop : src.loops()) {
            String p = "evbase_loop_" + loop.id() + "_";
            stat(sb, p + "load", String.format(Locale.ROOT, "%.4f", loop.load()));
            stat(sb, p + "pending_tasks", loop.pendingTasks());
            stat(sb, p + "connections", loop.connections());
        }
        ServerStatsSource.BufferFigures b = src.buffers();
        stat(sb, "evbase_buffer_in_use_bytes", b.inUseBytes());
        stat(sb, "evbase_buffer_cached_bytes", b.cachedBytes());
        stat(sb, "evbase_buffer_allocated_bytes", b.allocatedBytes());
        stat(sb, "evbase_input_buffered_bytes", b.inputBytes());
        stat(sb, "evbase_output_buffered_bytes", b.outputBytes());
        stat(sb, "evbase_item_overhead_bytes", MemcacheStore.ITEM_OVERHEAD);
        stat(sb, "evbase_values_in_flight_bytes", store.inFlightBytes());
        stat(sb, "evbase_values_referenced_bytes", store.referencedBytes());
        stat(sb, "evbase_eviction_policy", "s3-fifo");
        stat(sb, "evbase_store_allocated_bytes", store.bytesAllocated());
        stat(sb, "evbase_store_index_bytes", store.indexBytes());
    }

    private void settings(StringBuilder sb) {
        MemcacheStore store = ctx.store();
        stat(sb, "maxbytes", store.memoryLimit());
        stat(sb, "maxconns", ctx.source().maxConnections());
        stat(sb, "verbosity", ctx.verbosity());
        stat(sb, "evictions", "on");
        stat(sb, "num_threads", ctx.source().threads());
        stat(sb, "cas_enabled", "yes");
        stat(sb, "binding_protocol", "ascii");
        stat(sb, "item_size_max", store.maxItemSize());
        MemcacheAccess access = ctx.settings().access();
        stat(sb, "auth_enabled_ascii", access.authRequired() ? access.auth().path() : "no");
        stat(sb, "flush_enabled", access.flushAll() ? "yes" : "no");
        stat(sb, "detail_enabled", ctx.detailEnabled() ? "yes" : "no");
        stat(sb, "evbase_max_multiget_line_length", ctx.settings().maxMultigetLineLength());
        stat(sb, "evbase_item_overhead_bytes", MemcacheStore.ITEM_OVERHEAD);
    }

    private void items(StringBuilder sb) {
        MemcacheStore store = ctx.store();
        MemcacheStats s = store.stats();
        long n = store.itemCount();
        if (n == 0) {
            return; // memcached lists no class without items
        }
        stat(sb, "items:1:number", n);
        stat(sb, "items:1:mem_requested", store.bytesUsed());
        stat(sb, "items:1:evicted", s.evictions.sum());
        stat(sb, "items:1:outofmemory", s.storeNoMemory.sum());
        stat(sb, "items:1:reclaimed", s.reclaimed.sum());
        stat(sb, "items:1:expired_unfetched", s.expiredUnfetched.sum());
        stat(sb, "items:1:evicted_unfetched", s.evictedUnfetched.sum());
    }

    private void slabs(StringBuilder sb) {
        MemcacheStore store = ctx.store();
        MemcacheStats s = store.stats();
        long n = store.itemCount();
        if (n > 0) {
            stat(sb, "1:used_chunks", n);
            stat(sb, "1:get_hits", s.getHits.sum());
            stat(sb, "1:cmd_set", s.cmdSet.sum());
            stat(sb, "1:delete_hits", s.deleteHits.sum());
            stat(sb, "1:incr_hits", s.incrHits.sum());
            stat(sb, "1:decr_hits", s.decrHits.sum());
            stat(sb, "1:cas_hits", s.casHits.sum());
            stat(sb, "1:cas_badval", s.casBadval.sum());
            stat(sb, "1:touch_hits", s.touchHits.sum());
        }
        stat(sb, "active_slabs", n > 0 ? 1 : 0);
        stat(sb, "total_malloced", store.bytesAllocated());
    }

    /** memcached's {@code stats conns} lines, keyed by connection id where memcached uses the descriptor. */
    static String conns(List<ConnectionInfo> conns) {
        StringBuilder sb = new StringBuilder(128 * (conns.size() + 1));
        for (ConnectionInfo c : conns) {
            String p = c.id() + ":";
            stat(sb, p + "addr", "tcp:" + c.remoteAddress());
            stat(sb, p + "listener", c.listener());
            stat(sb, p + "loop", c.loop());
            stat(sb, p + "state", c.state());
            stat(sb, p + "secs_since_last_cmd", c.idle().toSeconds());
        }
        return sb.append("END\r\n").toString();
    }
}
