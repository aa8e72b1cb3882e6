package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.util.concurrent.CompletableFuture;

/**
 * Public access to the memcache request machinery for the fuzz tests in {@code io.evbase.hardening}: a parser
 * and its command processor over buffer chains of small pooled chunks (chunk boundaries fall everywhere), on a
 * store of its own whose clock stands still (so that two runs of the same requests answer byte for byte alike),
 * and handlers on such stores for real servers.
 *
 * <p>Threading: one instance per thread.
 */
public final class MemcacheFuzzAccess implements StatsReporter.Async {

    private final BufferPool pool;
    private final BufferChain in;
    private final BufferChain out;
    private final CommandProcessor processor;
    private final RequestParser parser;

    public MemcacheFuzzAccess(int chunkSize) {
        pool = new BufferPool(chunkSize, 16L * chunkSize, 64L * chunkSize);
        BufferPool.Cache cache = pool.newCache("fuzz");
        in = new BufferChain(cache);
        out = new BufferChain(cache);
        MemcacheStore store = new MemcacheStore(MemcacheStore.DEFAULT_MEMORY_LIMIT, MemcacheStore.DEFAULT_MAX_ITEM_SIZE,
                new ManualClock());
        processor = new CommandProcessor(new MemcacheContext(store, MemcacheSettings.defaults(), ServerStatsSource.NONE),
                out, this);
        parser = processor.newParser();
    }

    /** A memcache handler with default limits on a store of its own whose clock stands still. */
    public static MemcacheHandler frozenHandler() {
        MemcacheStore store = new MemcacheStore(MemcacheStore.DEFAULT_MEMORY_LIMIT, MemcacheStore.DEFAULT_MAX_ITEM_SIZE,
                new ManualClock());
        return new MemcacheHandler(store, MemcacheSettings.defaults(), ServerStatsSource.NONE);
    }

    /** Appends bytes to the input and lets the parser handle what is complete (the output is always writable). */
    public RequestParser.Result feed(byte[] bytes, int offset, int length) {
        in.write(bytes, offset, length);
        return parser.process(in, () -> true);
    }

    /** Whether a data block is being received or swallowed. */
    public boolean midRequest() {
        return parser.isMidRequest();
    }

    /** The replies written since the last call. */
    public byte[] takeOutput() {
        return out.readBytes((int) out.readableBytes());
    }

    /** Releases both chains; returns the pool's bytes still in use afterwards (0 unless a chunk leaked). */
    public long release() {
        in.clear();
        out.clear();
        return pool.inUseBytes();
    }

    @Override
    public void replyLater(CompletableFuture<String> reply) {
        reply.thenAccept(text -> {
            out.writeAscii(text);
            parser.resume();
        });
    }
}
