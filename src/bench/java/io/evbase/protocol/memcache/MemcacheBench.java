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
 * chain (per command), a whole get command through the processor, the store's get through the probe key the get
 * command uses, and the shared store's get and set (per operation).
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
    ItemKey[] keys;
    byte[][] getLines;
    BufferChain output;
    CommandProcessor processor;
    byte[] value;
    int next;

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
            public void onValue(RequestParser p, byte[] data) {
            }
        }, 65536);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pipeline; i++) {
            sb.append("get ").append(key(i * 7919 % KEYS)).append("\r\n");
        }
        batch = sb.toString().getBytes(StandardCharsets.US_ASCII);
        store = new MemcacheStore(64L << 20, 1 << 20);
        keys = new ItemKey[KEYS];
        value = new byte[102];
        java.util.Arrays.fill(value, (byte) 'v');
        value[100] = '\r';
        value[101] = '\n';
        for (int i = 0; i < KEYS; i++) {
            byte[] k = key(i).getBytes(StandardCharsets.US_ASCII);
            keys[i] = ItemKey.copyOf(k, 0, k.length);
            store.store(StoreMode.SET, keys[i], value.clone(), 0, 0, 0, 0, false);
        }
        getLines = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
            getLines[i] = ("get " + key(i) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        BufferPool.Cache cache = pool.newCache("bench-commands");
        output = new BufferChain(cache);
        processor = new CommandProcessor(new MemcacheContext(store, MemcacheSettings.defaults(), ServerStatsSource.NONE),
                output, reply -> { });
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

    /**
     * A get through the loop thread's probe key, as the get command looks keys up: copies the key out of the command
     * line and hashes it with the seeded SipHash; must allocate nothing (run with {@code -prof gc}).
     */
    @Benchmark
    public Object probeGet() {
        next = (next + 7919) % KEYS;
        byte[] k = keys[next].bytes;
        return store.get(ItemKey.probe().set(k, 0, k.length), true);
    }

    /** A whole {@code get} command of one key: parse, look up, write the reply, which is then discarded. */
    @Benchmark
    public long getCommand() {
        next = (next + 7919) % KEYS;
        input.write(getLines[next]);
        processor.parser.process(input, () -> true);
        long n = output.readableBytes();
        output.skip(n);
        return n;
    }

    @Benchmark
    public Object storeGet() {
        next = (next + 7919) % KEYS;
        return store.get(keys[next], true);
    }

    @Benchmark
    public Object storeSet() {
        next = (next + 7919) % KEYS;
        return store.store(StoreMode.SET, keys[next], value, 0, 0, 0, 0, false);
    }
}
