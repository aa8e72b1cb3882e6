package io.evbase.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The buffers' share of an echo, per message: a read from a channel into the input chain, the transfer of the
 * input's chunks to the output, and the gathering write, through real pipes standing in for the socket. With
 * {@code -prof gc} its {@code gc.alloc.rate.norm} is the echo path's garbage per message (goal: 0 B/op); the
 * pipes' own system calls are in the time, as a socket's would be.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class EchoPathBench {

    @Param({"64", "1024"})
    int size;

    BufferChain input;
    BufferChain output;
    Pipe in;
    Pipe out;
    ByteBuffer message;
    ByteBuffer drain;

    @Setup
    public void setup() throws IOException {
        BufferPool pool = new BufferPool(16 * 1024, 64 * 16 * 1024, 64 * 16 * 1024, 64L << 20);
        BufferPool.Cache cache = pool.newCache("loop");
        input = new BufferChain(cache);
        output = new BufferChain(cache);
        message = ByteBuffer.allocateDirect(size);
        drain = ByteBuffer.allocateDirect(64 * 1024);
        in = Pipe.open();
        out = Pipe.open();
        in.source().configureBlocking(false);
        out.source().configureBlocking(false);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        in.sink().close();
        in.source().close();
        out.sink().close();
        out.source().close();
    }

    @Benchmark
    public long echo() throws IOException {
        message.clear();
        in.sink().write(message);
        input.readFrom(in.source(), 1 << 20);
        output.transferFrom(input, input.readableBytes());
        long written = 0;
        while (!output.isEmpty()) {
            written += output.writeTo(out.sink());
            drain.clear();
            out.source().read(drain);
        }
        return written;
    }
}
