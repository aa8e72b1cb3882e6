package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
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

/**
 * The memcache hot paths without sockets: the request parser cutting pipelined command lines out of an input
 * chain ({@code parseGets}, per read of {@code pipeline} commands), the store's lookup hashing the key where the
 * parser left it ({@code lookup}), a set ({@code storeSet}), and the
 * whole get path of one connection ({@code getHit}: parse, lookup, reply building into the output chain, per read
 * of {@code pipeline} gets). Run with {@code -prof gc}: the get path's {@code gc.alloc.rate.norm} is the garbage
 * per operation (goal: 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class MemcacheBench {

    static final int KEYS = 10_000;

    /** Commands in one read: 1 (ping-pong) or 32 (pipelined). */
    @Param({"1", "32"})
    int pipeline;

    BufferChain input;
    RequestParser parser;
    byte[] batch;
    int lines;
    MemcacheStore store;
    byte[][] keys;
    final ItemView view = new ItemView();
    byte[] value;
    int next;
    byte[] lookupLine;
    int[] lookupOffsets;
    BufferChain getInput;
    BufferChain getOutput;
    RequestParser getParser;

    @Setup
    public void setup() {
        BufferPool pool = new BufferPool(16 * 1024, 1 << 20, 64L << 20);
        input = new BufferChain(pool.newCache("bench"));
        parser = new RequestParser(new CommandSink() {
            @Override
            public void onCommandLine(RequestParser p, byte[] line, int length) {
                lines += length;
            }

            @Override
            public void onValue(RequestParser p, byte[] data, int length) {
            }
        }, 65536);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pipeline; i++) {
            sb.append("get ").append(key(i * 7919 % KEYS)).append("\r\n");
        }
        batch = sb.toString().getBytes(StandardCharsets.US_ASCII);
        store = new MemcacheStore(64L << 20, 1 << 20);
        // the keys the parser benchmark asks for are all in the store, so getHit is all hits
        keys = new byte[KEYS][];
        value = new byte[102];
        java.util.Arrays.fill(value, (byte) 'v');
        value[100] = '\r';
        value[101] = '\n';
        for (int i = 0; i < KEYS; i++) {
            keys[i] = key(i).getBytes(StandardCharsets.US_ASCII);
            store.store(StoreMode.SET, keys[i], 0, keys[i].length, value, value.length, 0, 0, 0, 0, false);
        }

        lookupLine = new byte[KEYS * 13];
        lookupOffsets = new int[KEYS];
        for (int i = 0; i < KEYS; i++) {
            byte[] k = key(i).getBytes(StandardCharsets.US_ASCII);
            lookupOffsets[i] = i * 13;
            System.arraycopy(k, 0, lookupLine, i * 13, k.length);
        }
        BufferPool.Cache cache = pool.newCache("get");
        getInput = new BufferChain(cache);
        getOutput = new BufferChain(cache);
        MemcacheContext ctx = new MemcacheContext(store, MemcacheSettings.defaults(), ServerStatsSource.NONE);
        getParser = new CommandProcessor(ctx, getOutput, reply -> {
        }).newParser();
    }

    static String key(int i) {
        return String.format(Locale.ROOT, "key:%08d", i);
    }

    /** Per read of {@code pipeline} get commands; divide by it for the cost of one. */
    @Benchmark
    public int parseGets() {
        input.write(batch);
        parser.process(input, () -> true);
        return lines;
    }

    /** A lookup of a key where a command line holds it: hashed and compared in place, the hit not read. */
    @Benchmark
    public boolean lookup() {
        next = (next + 7919) % KEYS;
        return store.get(lookupLine, lookupOffsets[next], 12, true, view, null);
    }

    /**
     * Per read of {@code pipeline} hits of 100-byte values: the command lines parsed, each key looked up, the replies
     * ({@code VALUE} line, value, {@code END}) built in the output chain, which is then emptied (as a write would).
     */
    @Benchmark
    public long getHit() {
        getInput.write(batch);
        getParser.process(getInput, () -> true);
        long n = getOutput.readableBytes();
        getOutput.skip(n);
        return n;
    }

    @Benchmark
    public long storeSet() {
        next = (next + 7919) % KEYS;
        return store.store(StoreMode.SET, keys[next], 0, keys[next].length, value, value.length, 0, 0, 0, 0, false);
    }
}
