package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

/** {@link BufferChain#writeShared}: references instead of copies, and bounded windows on the way to a socket. */
class SharedWriteTest {

    private static final int CHUNK = 16 * 1024;

    @Test
    void shortRangesAreCopiedAndLongOnesReferenced() {
        BufferPool pool = new BufferPool(64, 64 * 4, 64 * 16, 1 << 20);
        BufferChain chain = new BufferChain(pool.newCache("test"));
        byte[] small = "small value".getBytes(StandardCharsets.US_ASCII);
        chain.writeShared(small, 0, small.length);
        small[0] = 'S';
        assertThat(chain.readBytes(small.length)).as("a copy").startsWith('s');

        byte[] large = new byte[BufferChain.SHARE_THRESHOLD * 4];
        new Random(5).nextBytes(large);
        chain.writeShared(large, 10, large.length - 20);
        assertThat(chain.readableBytes()).isEqualTo(large.length - 20);
        assertThat(chain.chunkCount()).as("referenced, not copied").isZero();
        assertThat(pool.inUseBytes()).isZero();
        chain.write((byte) '!');
        assertThat(chain.getByte(large.length - 20)).isEqualTo((byte) '!');
        assertThat(chain.getByte(5)).isEqualTo(large[15]);
        chain.skip(100);
        assertThat(chain.readBytes(large.length - 120)).isEqualTo(Arrays.copyOfRange(large, 110, large.length - 10));
        assertThat(chain.readBytes(1)).containsExactly('!');
        assertThat(pool.inUseBytes()).isZero();
    }

    @Test
    void aRangeThatFitsTheTailChunkIsCopiedThere() {
        BufferPool pool = new BufferPool(CHUNK, CHUNK * 4, CHUNK * 16, 1 << 20);
        BufferChain chain = new BufferChain(pool.newCache("test"));
        chain.write(new byte[100]);
        chain.writeShared(new byte[2000], 0, 2000);
        assertThat(chain.chunkCount()).isEqualTo(1);
        chain.writeShared(new byte[CHUNK], 0, CHUNK);
        assertThat(chain.chunkCount()).as("too big for the room left: referenced").isEqualTo(1);
        chain.clear();
        assertThat(pool.inUseBytes()).isZero();
    }

    /**
     * A 1 MiB value queued by reference for a peer that does not read: the socket takes what its buffers hold, the
     * rest waits as a reference, and pooled memory never holds more than one write window besides the reply's
     * own small chunks. The writes run on a fresh thread, whose JDK temporary-buffer cache starts empty: handing
     * the channel a heap buffer over the value would show there as a direct buffer of the value's size.
     */
    @Test
    void aLargeSharedValueToANonReadingPeerHoldsAtMostOneWindow() throws Exception {
        byte[] value = new byte[1 << 20];
        new Random(9).nextBytes(value);
        byte[] header = "VALUE big 0 1048576\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] trailer = "\r\nEND\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(header);
        expected.writeBytes(value);
        expected.writeBytes(trailer);

        BufferPool pool = new BufferPool(CHUNK, CHUNK * 4, CHUNK * 64, 64 << 20);
        BufferChain out = new BufferChain(pool.newCache("test"));
        long bound = GatherWriter.WINDOW + 2L * CHUNK; // the window, the header's and the trailer's chunks
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();

        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_RCVBUF, 32 * 1024);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            try (SocketChannel client = SocketChannel.open()) {
                client.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
                client.connect(server.getLocalAddress());
                client.configureBlocking(false);
                try (SocketChannel peer = server.accept()) {
                    peer.configureBlocking(false);
                    FutureTask<byte[]> task = new FutureTask<>(() -> {
                        long directBefore = direct.getTotalCapacity();
                        out.write(header).writeShared(value, 0, value.length).write(trailer);
                        long firstWrite = 0;
                        long n;
                        while ((n = out.writeTo(client)) > 0) {
                            firstWrite += n;
                        }
                        assertThat(firstWrite).as("the socket buffers filled").isLessThan(expected.size());
                        assertThat(out.readableBytes()).isEqualTo(expected.size() - firstWrite);
                        assertThat(pool.allocatedBytes()).as("pooled memory while the peer does not read")
                                .isLessThanOrEqualTo(bound);
                        assertThat(pool.inUseBytes()).as("between writes no window is held")
                                .isLessThanOrEqualTo(2L * CHUNK);
                        assertThat(direct.getTotalCapacity() - directBefore)
                                .as("no JDK temporary buffer the size of the value")
                                .isLessThan(value.length / 4);

                        ByteArrayOutputStream received = new ByteArrayOutputStream();
                        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                        long maxAllocated = 0;
                        while (received.size() < expected.size()) {
                            out.writeTo(client);
                            maxAllocated = Math.max(maxAllocated, pool.allocatedBytes());
                            buffer.clear();
                            int r = peer.read(buffer);
                            received.write(buffer.array(), 0, Math.max(0, r));
                        }
                        assertThat(maxAllocated).isLessThanOrEqualTo(bound);
                        return received.toByteArray();
                    });
                    Thread writer = new Thread(task, "shared-writer");
                    writer.start();
                    assertThat(task.get()).as("byte-exact").isEqualTo(expected.toByteArray());
                }
            }
        }
        assertThat(out.isEmpty()).isTrue();
        assertThat(pool.inUseBytes()).isZero();
    }
}
