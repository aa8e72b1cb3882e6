package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The memcache request machinery without sockets: a parser and command processor over an input and output
 * {@link BufferChain} made of tiny (64-byte) chunks, so that chunk boundaries fall everywhere. Bytes are fed in
 * whatever pieces a test chooses; replies are read back as text.
 */
final class ParserHarness implements StatsReporter.Async {

    final BufferPool pool = new BufferPool(64, 1 << 16, 1 << 20);
    final BufferPool.Cache cache = pool.newCache("test");
    final BufferChain in = new BufferChain(cache);
    final BufferChain out = new BufferChain(cache);
    final CommandProcessor processor;
    final RequestParser parser;
    boolean writable = true;
    /** Output bytes above which the harness reads as unwritable, as a connection's write high watermark. */
    long highWatermark = Long.MAX_VALUE;
    RequestParser.Result last;
    /** Output bytes read by {@link #output()}, as a socket's count of bytes written. */
    long taken;

    ParserHarness(MemcacheStore store) {
        this(store, MemcacheSettings.defaults());
    }

    ParserHarness(MemcacheStore store, MemcacheSettings settings) {
        processor = new CommandProcessor(new MemcacheContext(store, settings, ServerStatsSource.NONE), out, this,
                () -> taken);
        parser = processor.newParser();
    }

    RequestParser.Result feed(byte[] bytes) {
        in.write(bytes);
        last = parser.process(in, () -> writable && out.readableBytes() <= highWatermark);
        return last;
    }

    RequestParser.Result feed(String s) {
        return feed(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    String output() {
        int n = (int) out.readableBytes();
        taken += n;
        return new String(out.readBytes(n), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void replyLater(CompletableFuture<String> reply) {
        reply.thenAccept(text -> {
            out.writeAscii(text);
            parser.resume();
        });
    }
}
