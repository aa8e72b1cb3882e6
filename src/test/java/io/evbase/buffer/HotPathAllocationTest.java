package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The chain's share of the two hot paths allocates nothing once warm: an echo (socket read, transfer to the
 * output, gathering write) and a cache hit (header, a large value by reference, trailer, written out through the
 * window). Real pipes stand in for the sockets; the figure is the thread's own allocation count.
 */
class HotPathAllocationTest {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void echoAndCacheHitPathsAllocateNothing() throws IOException {
        BufferPool pool = new BufferPool(16 * 1024, 64 * 16 * 1024, 64 * 16 * 1024, 64 << 20);
        BufferPool.Cache cache = pool.newCache("loop");
        BufferChain input = new BufferChain(cache);
        BufferChain output = new BufferChain(cache);
        byte[] request = "get some:key\r\n".repeat(100).getBytes(StandardCharsets.US_ASCII);
        byte[] header = "VALUE some:key 0 40000\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[40_000];
        byte[] trailer = "\r\nEND\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer requestBuffer = ByteBuffer.allocateDirect(request.length).put(request);
        ByteBuffer drain = ByteBuffer.allocateDirect(256 * 1024);
        Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        in.source().configureBlocking(false);
        out.source().configureBlocking(false);
        try {
            long[] allocated = new long[3];
            for (int round = 0; round < allocated.length; round++) { // the first rounds warm the pool and the code
                long before = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 2000; i++) {
                    requestBuffer.clear();
                    in.sink().write(requestBuffer);
                    input.readFrom(in.source(), 1 << 20);
                    output.transferFrom(input, input.readableBytes());
                    output.write(header).writeShared(value, 0, value.length).write(trailer);
                    while (!output.isEmpty()) {
                        output.writeTo(out.sink());
                        drain.clear();
                        out.source().read(drain);
                    }
                }
                allocated[round] = THREADS.getCurrentThreadAllocatedBytes() - before;
            }
            assertThat(allocated[2]).as("bytes allocated by 2000 echoes and hits, once warm").isLessThan(2000);
        } finally {
            in.sink().close();
            in.source().close();
            out.sink().close();
            out.source().close();
        }
        assertThat(pool.inUseBytes()).isZero();
    }
}
