package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** BufferChain against a plain byte array model, with chunks small enough that everything crosses boundaries. */
class BufferChainTest {

    private final BufferPool pool = new BufferPool(64, 64 * 8, 64 * 64);
    private final BufferPool.Cache cache = pool.newCache("test");

    @Test
    void countsQueuedBytesPastTwoGibibytesAndWritesThemOut() throws IOException {
        // 2,100 references to one 1 MiB value: 2.05 GiB queued without holding it (an int count went negative here)
        byte[] value = new byte[1 << 20];
        value[0] = 'v';
        value[value.length - 1] = 'e';
        BufferChain chain = new BufferChain(cache);
        int copies = 2_100;
        for (int i = 0; i < copies; i++) {
            chain.writeShared(value, 0, value.length);
        }
        long total = (long) copies * value.length;
        assertThat(total).isGreaterThan(Integer.MAX_VALUE);
        assertThat(chain.readableBytes()).isEqualTo(total);
        assertThat(chain.getByte(0)).isEqualTo((byte) 'v');
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        pipe.sink().configureBlocking(false);
        ByteBuffer drain = ByteBuffer.allocateDirect(1 << 20);
        try {
            long written = 0;
            for (int i = 0; i < 8; i++) { // the chain writes from its head, whatever the count behind it
                written += chain.writeTo(pipe.sink(), 64 * 1024);
                drain.clear();
                pipe.source().read(drain);
            }
            assertThat(written).isPositive();
            assertThat(chain.readableBytes()).isEqualTo(total - written);
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
        chain.clear();
        assertThat(chain.readableBytes()).isZero();
        assertThat(pool.inUseBytes()).isZero();
    }

    @Test
    void writesAndReadsAcrossChunks() {
        BufferChain chain = new BufferChain(cache);
        byte[] data = new byte[1000];
        new Random(1).nextBytes(data);
        chain.write(data, 0, 333).write(data, 333, 667);
        assertThat(chain.readableBytes()).isEqualTo(1000);
        assertThat(chain.chunkCount()).isEqualTo(16);
        byte[] copy = new byte[500];
        chain.copy(250, copy, 0, 500);
        assertThat(copy).isEqualTo(java.util.Arrays.copyOfRange(data, 250, 750));
        for (int i = 0; i < 1000; i += 37) {
            assertThat(chain.getByte(i)).isEqualTo(data[i]);
        }
        chain.skip(100);
        assertThat(chain.readBytes(900)).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 1000));
        assertThat(chain.isEmpty()).isTrue();
        assertThat(chain.chunkCount()).as("an empty chain holds no memory").isZero();
        assertThat(pool.inUseBytes()).isZero();
    }

    @Test
    void findsBytesAcrossChunkBoundaries() {
        BufferChain chain = new BufferChain(cache);
        byte[] data = new byte[300];
        java.util.Arrays.fill(data, (byte) 'x');
        data[63] = '\r';
        data[64] = '\n';
        data[200] = '\n';
        chain.write(data);
        assertThat(chain.indexOf((byte) '\n', 0)).isEqualTo(64);
        assertThat(chain.indexOf((byte) '\n', 65)).isEqualTo(200);
        assertThat(chain.indexOf((byte) '\n', 65, 200)).isEqualTo(-1);
        assertThat(chain.indexOf((byte) '\n', 201)).isEqualTo(-1);
        chain.skip(10);
        assertThat(chain.indexOf((byte) '\r', 0)).isEqualTo(53);
        chain.clear();
    }

    @Test
    void wordAtATimeSearchAgreesWithAByteByByteOne() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            BufferChain chain = new BufferChain(cache);
            byte[] data = new byte[1 + random.nextInt(400)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (random.nextInt(8) == 0 ? '\n' : random.nextInt(256)); // 0x0a neighbours, 0x80+, 0x01
            }
            chain.skip(chain.write(new byte[random.nextInt(64)]).readableBytes());
            chain.write(data);
            int from = random.nextInt(data.length);
            int to = from + random.nextInt(data.length - from + 1);
            int expected = -1;
            for (int i = from; i < to; i++) {
                if (data[i] == '\n') {
                    expected = i;
                    break;
                }
            }
            assertThat(chain.indexOf((byte) '\n', from, to)).as("round %d", round).isEqualTo(expected);
            chain.clear();
        }
    }

    @Test
    void writesDecimalsAndAscii() {
        BufferChain chain = new BufferChain(cache);
        chain.writeAscii("v=").writeDecimal(-42).write((byte) ' ').writeUnsignedDecimal(-1L).write((byte) ' ')
                .writeDecimal(Long.MIN_VALUE).write((byte) ' ').writeUnsignedDecimal(0);
        String text = chain.toAscii(0, (int) chain.readableBytes());
        assertThat(text).isEqualTo("v=-42 18446744073709551615 -9223372036854775808 0");
        chain.clear();
    }

    @Test
    void transfersWholeChunksWithoutCopyAndPartialOnesByCopy() {
        BufferChain from = new BufferChain(cache);
        BufferChain to = new BufferChain(cache);
        byte[] data = new byte[200];
        new Random(2).nextBytes(data);
        from.write(data);
        to.transferFrom(from, 150);
        to.transferFrom(from, 50);
        assertThat(from.isEmpty()).isTrue();
        assertThat(to.readBytes(200)).isEqualTo(data);
        assertThat(pool.inUseBytes()).isZero();
    }

    @Test
    void readsFromAndGatherWritesToChannels() throws IOException {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        BufferChain out = new BufferChain(cache);
        BufferChain in = new BufferChain(cache);
        byte[] data = "the quick brown fox jumps over the lazy dog, ".repeat(20).getBytes(StandardCharsets.US_ASCII);
        out.write(data);
        long written = out.writeTo(pipe.sink());
        assertThat(written).isEqualTo(data.length);
        assertThat(out.isEmpty()).isTrue();
        int read = 0;
        while (read < data.length) {
            read += in.readFrom(pipe.source(), 100); // a per-call bound smaller than the data
        }
        assertThat(in.readFrom(pipe.source(), 100)).as("drained").isZero();
        assertThat(in.readBytes(data.length)).isEqualTo(data);
        pipe.sink().close();
        assertThat(in.readFrom(pipe.source(), 100)).as("end of stream").isEqualTo(-1);
        pipe.source().close();
        assertThat(pool.inUseBytes()).as("a read that brings nothing keeps no chunk").isZero();
    }

    @Test
    void aReadThatFillsAChunkMakesTheChainReadByScatteringUntilLessThanAChunkComes() throws IOException {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        CountingSource source = new CountingSource(pipe.source());
        BufferChain in = new BufferChain(cache);
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        pipe.sink().write(ByteBuffer.wrap(data));
        // chunks of 64 bytes: the first read fills one, then one scattering read takes up to four more
        assertThat(in.readFrom(source, 1000)).isEqualTo(64 + 4 * 64);
        assertThat(source.single).isEqualTo(1);
        assertThat(source.scattering).isEqualTo(1);
        // from then on every read is one scattering call, as long as a chunk's worth comes
        assertThat(in.readFrom(source, 1000)).isEqualTo(4 * 64);
        assertThat(in.readFrom(source, 1000)).isEqualTo(4 * 64);
        assertThat(in.readFrom(source, 1000)).isEqualTo(1000 - 64 - 12 * 64);
        assertThat(source.single).isEqualTo(1);
        assertThat(source.scattering).isEqualTo(4);
        assertThat(in.readBytes(data.length)).isEqualTo(data);
        // less than a chunk came: one chunk at a time again
        pipe.sink().write(ByteBuffer.wrap(new byte[10]));
        assertThat(in.readFrom(source, 1000)).isEqualTo(10);
        assertThat(source.scattering).isEqualTo(5);
        pipe.sink().write(ByteBuffer.wrap(new byte[10]));
        assertThat(in.readFrom(source, 1000)).isEqualTo(10);
        assertThat(source.single).isEqualTo(2);
        assertThat(source.scattering).isEqualTo(5);
        in.skip(10);
        in.skip(10);
        pipe.sink().close();
        pipe.source().close();
        assertThat(pool.inUseBytes()).as("the chunks that got nothing went back").isZero();
    }

    /** A channel that counts its plain and its scattering reads. */
    private static final class CountingSource implements java.nio.channels.ScatteringByteChannel {
        final Pipe.SourceChannel delegate;
        int single;
        int scattering;

        CountingSource(Pipe.SourceChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            single++;
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            scattering++;
            return delegate.read(dsts, offset, length);
        }

        @Override
        public long read(ByteBuffer[] dsts) throws IOException {
            return read(dsts, 0, dsts.length);
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    @Test
    void refusesOutOfRangeAccess() {
        BufferChain chain = new BufferChain(cache);
        chain.write(new byte[10]);
        assertThatThrownBy(() -> chain.skip(11)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> chain.getByte(10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(chain.readableBytes()).isEqualTo(10);
        chain.clear();
    }

    @Test
    void matchesAByteArrayModelUnderRandomOperations() {
        Random random = new Random(3);
        BufferChain chain = new BufferChain(cache);
        java.io.ByteArrayOutputStream model = new java.io.ByteArrayOutputStream();
        byte[] current = new byte[0];
        for (int step = 0; step < 5000; step++) {
            int op = random.nextInt(4);
            if (op < 2) {
                byte[] piece = new byte[random.nextInt(150)];
                random.nextBytes(piece);
                if (op == 0) {
                    chain.write(piece);
                } else {
                    chain.write(ByteBuffer.wrap(piece));
                }
                model.write(piece, 0, piece.length);
                current = model.toByteArray();
            } else if (current.length > 0) {
                int n = random.nextInt(current.length + 1);
                byte[] got = chain.readBytes(n);
                assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(current, 0, n));
                current = java.util.Arrays.copyOfRange(current, n, current.length);
                model.reset();
                model.write(current, 0, current.length);
            }
            assertThat(chain.readableBytes()).isEqualTo(current.length);
        }
        chain.clear();
        assertThat(pool.inUseBytes()).isZero();
    }
}
