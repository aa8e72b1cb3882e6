package io.evbase.buffer;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The buffer pool on a loop's hot path: a chunk taken from and given back to the loop cache (every socket read
 * into an empty input does this), the same when the cache is full and spills to the shared list, and a small
 * write-then-consume through a chain (a reply).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class BufferPoolBench {

    /** Chunks held at once: 1 stays in the loop cache, 8 spills to the shared list (cache bound 4 chunks). */
    @Param({"1", "8"})
    int burst;

    BufferPool pool;
    BufferPool.Cache cache;
    Chunk[] held;
    BufferChain chain;
    byte[] reply;

    @Setup
    public void setup() {
        pool = new BufferPool(16 * 1024, 4 * 16 * 1024, 64L << 20);
        cache = pool.newCache("bench");
        held = new Chunk[burst];
        chain = new BufferChain(cache);
        reply = "VALUE key:00001234 0 100\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Benchmark
    public void takeGive() {
        Chunk[] h = held;
        for (int i = 0; i < h.length; i++) {
            h[i] = cache.take();
        }
        for (int i = 0; i < h.length; i++) {
            cache.give(h[i]);
            h[i] = null;
        }
    }

    @Benchmark
    public void chainWriteSkip(Blackhole bh) {
        for (int i = 0; i < burst; i++) {
            chain.write(reply);
        }
        bh.consume(chain.readableBytes());
        chain.skip(chain.readableBytes());
    }
}
