package io.evbase.buffer;

import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
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
 * A multiget reply of 16 hits (header, value, CRLF each) built and written out, the value copied into pooled chunks
 * ({@code copy}) or queued by reference ({@code shared}), for the value sizes around
 * {@link BufferChain#SHARE_THRESHOLD}. The channel takes every byte without copying it, so the figures are the
 * chain's own cost: below the size where {@code shared} catches up with {@code copy}, sharing only costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class SharedWriteBench {

    private static final int HITS = 16;

    @Param({"128", "256", "512", "1024", "4096"})
    int size;

    BufferChain chain;
    byte[] value;
    byte[] header;
    byte[] crlf;
    final Sink sink = new Sink();

    @Setup
    public void setup() {
        BufferPool pool = new BufferPool(16 * 1024, 64 * 16 * 1024, 64L << 20, 256L << 20);
        chain = new BufferChain(pool.newCache("bench"));
        value = new byte[size];
        header = ("VALUE key:00001234 0 " + size + "\r\n").getBytes(StandardCharsets.US_ASCII);
        crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public long copy() throws Exception {
        for (int i = 0; i < HITS; i++) {
            chain.write(header).write(value).write(crlf);
        }
        return chain.writeTo(sink);
    }

    @Benchmark
    public long shared() throws Exception {
        for (int i = 0; i < HITS; i++) {
            chain.write(header).share(value, 0, value.length).write(crlf);
        }
        return chain.writeTo(sink);
    }

    /** Takes everything it is given, like a socket with room, without copying. */
    static final class Sink implements GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += srcs[i].remaining();
                srcs[i].position(srcs[i].limit());
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
