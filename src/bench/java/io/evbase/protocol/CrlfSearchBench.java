package io.evbase.protocol;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * Finding the end of a request line ({@code "\r\n"}) with {@link LineFramer} when the line straddles a chunk
 * boundary of the input chain, and when it lies inside one chunk.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class CrlfSearchBench {

    /** Length of the line, terminator included. */
    @Param({"32", "256", "2048"})
    int lineLength;

    /** Whether the line crosses from one 16 KiB chunk into the next. */
    @Param({"true", "false"})
    boolean straddle;

    BufferChain chain;
    LineFramer framer = new LineFramer(8192);

    @Setup
    public void setup() {
        int chunk = 16 * 1024;
        BufferPool pool = new BufferPool(chunk, 1 << 20, 64L << 20);
        chain = new BufferChain(pool.newCache("bench"));
        int pad = straddle ? chunk - lineLength / 2 : 0;
        byte[] padding = new byte[pad];
        chain.write(padding);
        byte[] line = new byte[lineLength];
        Arrays.fill(line, (byte) 'k');
        byte[] cmd = "get ".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(cmd, 0, line, 0, Math.min(cmd.length, line.length));
        line[lineLength - 2] = '\r';
        line[lineLength - 1] = '\n';
        chain.write(line);
        chain.skip(pad); // the line now starts where the padding was: lineLength/2 bytes before a chunk end
    }

    @Benchmark
    public int findLineEnd() {
        return framer.findLineEnd(chain);
    }
}
