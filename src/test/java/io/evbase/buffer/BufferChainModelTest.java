package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.Pipe;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Two chains against two byte-array models under random sequences of every operation, copies and shared references
 * mixed: writes of each kind, lookups, consuming reads, transfers both ways, socket-style reads and partial writes.
 * Chunks are small (64 to 256 bytes) so that every operation crosses segment boundaries; shared ranges come from
 * one array that must be untouched at the end.
 */
class BufferChainModelTest {

    private static final byte[] SOURCE = new byte[8192];

    static {
        new Random(11).nextBytes(SOURCE);
        for (int i = 0; i < SOURCE.length; i += 97) {
            SOURCE[i] = '\n'; // something for indexOf to find
        }
    }

    /** One operation; numbers are raw and scaled to the current sizes when applied. */
    record Op(int kind, int a, int b, int c, boolean onA) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 11),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.of(true, true, false)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 300)
    void chainsMatchTheirModels(@ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 64, max = 256) int chunkSize)
            throws IOException {
        byte[] before = SOURCE.clone();
        BufferPool pool = new BufferPool(chunkSize, 4L * chunkSize, 16L * chunkSize, 1L << 30);
        BufferPool.Cache cache = pool.newCache("model");
        BufferChain a = new BufferChain(cache);
        BufferChain b = new BufferChain(cache);
        Model ma = new Model();
        Model mb = new Model();
        for (Op op : ops) {
            BufferChain chain = op.onA() ? a : b;
            Model model = op.onA() ? ma : mb;
            apply(op, cache, chain, model, op.onA() ? b : a, op.onA() ? mb : ma);
            assertThat(a.readableBytes()).isEqualTo(ma.length());
            assertThat(b.readableBytes()).isEqualTo(mb.length());
            assertThat(contents(a)).isEqualTo(ma.bytes());
            assertThat(contents(b)).isEqualTo(mb.bytes());
        }
        a.clear();
        b.clear();
        assertThat(pool.inUseBytes()).as("every chunk back in the pool").isZero();
        assertThat(SOURCE).as("shared bytes are never written").isEqualTo(before);
    }

    /** Every readable byte, not consumed. */
    static byte[] contents(BufferChain chain) {
        byte[] all = new byte[(int) chain.readableBytes()];
        chain.copy(0, all, 0, all.length);
        return all;
    }

    private static void apply(Op op, BufferPool.Cache cache, BufferChain chain, Model model, BufferChain other, Model otherModel)
            throws IOException {
        int len = model.length();
        switch (op.kind()) {
            case 0, 1 -> { // copy or shared write of a source range, often above the sharing threshold
                int length = op.b() % (op.kind() == 0 ? 300 : 3000);
                int offset = op.a() % (SOURCE.length - length + 1);
                if (op.kind() == 0) {
                    chain.write(SOURCE, offset, length);
                } else {
                    chain.writeShared(SOURCE, offset, length);
                }
                model.append(SOURCE, offset, length);
            }
            case 2 -> {
                byte[] piece = Arrays.copyOfRange(SOURCE, op.a() % 100, op.a() % 100 + op.b() % 200);
                chain.write(ByteBuffer.wrap(piece));
                chain.write((byte) op.c());
                model.append(piece, 0, piece.length);
                model.append(new byte[] {(byte) op.c()}, 0, 1);
            }
            case 3 -> { // skip
                long n = len == 0 ? 0 : op.a() % (len + 1);
                chain.skip(n);
                model.consume((int) n);
            }
            case 4 -> { // consuming read
                int n = len == 0 ? 0 : op.a() % (len + 1);
                assertThat(chain.readBytes(n)).isEqualTo(model.consume(n));
            }
            case 5 -> { // getByte and copy
                if (len > 0) {
                    int i = op.a() % len;
                    assertThat(chain.getByte(i)).isEqualTo(model.bytes()[i]);
                    int n = op.b() % (len - i + 1);
                    byte[] dst = new byte[n + 2];
                    chain.copy(i, dst, 1, n);
                    assertThat(Arrays.copyOfRange(dst, 1, n + 1)).isEqualTo(Arrays.copyOfRange(model.bytes(), i, i + n));
                }
            }
            case 6 -> { // indexOf
                int from = len == 0 ? 0 : op.a() % (len + 1);
                int to = from + (len - from == 0 ? 0 : op.b() % (len - from + 1));
                byte value = (byte) (op.c() % 3 == 0 ? '\n' : op.c());
                assertThat(chain.indexOf(value, from, to)).isEqualTo(model.indexOf(value, from, to));
            }
            case 7 -> { // transfer to the other chain
                long n = len == 0 ? 0 : op.a() % (len + 1);
                other.transferFrom(chain, n);
                byte[] moved = model.consume((int) n);
                otherModel.append(moved, 0, moved.length);
            }
            case 8 -> { // the payload hand-off: moved into a new chain, then appended to the other
                long n = len == 0 ? 0 : op.a() % (len + 1);
                BufferChain payload = chain.readChain(n);
                byte[] moved = model.consume((int) n);
                assertThat(contents(payload)).isEqualTo(moved);
                other.transferFrom(payload, payload.readableBytes());
                otherModel.append(moved, 0, moved.length);
                assertThat(payload.isEmpty()).isTrue();
            }
            case 9 -> { // a partial write to a channel that takes a few bytes at a time, direct buffers only
                Sink sink = new Sink(1 + op.a() % 700, 1 + op.b() % 4);
                long n = chain.writeTo(sink);
                assertThat(sink.received()).isEqualTo(model.consume((int) n));
            }
            case 10 -> { // a socket-style read
                int n = op.a() % 600;
                byte[] piece = Arrays.copyOfRange(SOURCE, op.b() % 1000, op.b() % 1000 + n);
                Pipe pipe = Pipe.open();
                try {
                    pipe.sink().write(ByteBuffer.wrap(piece));
                    pipe.source().configureBlocking(false);
                    int got = 0;
                    while (got < n) {
                        got += chain.readFrom(pipe.source(), 1 + op.c() % 300);
                    }
                } finally {
                    pipe.sink().close();
                    pipe.source().close();
                }
                model.append(piece, 0, piece.length);
            }
            default -> { // everything out, in full
                Sink sink = new Sink(Integer.MAX_VALUE, Integer.MAX_VALUE);
                assertThat(chain.writeTo(sink)).isEqualTo(len);
                assertThat(sink.received()).isEqualTo(model.consume(len));
            }
        }
    }

    /** A byte-array model of a chain. */
    static final class Model {
        private byte[] data = new byte[0];

        int length() {
            return data.length;
        }

        byte[] bytes() {
            return data;
        }

        void append(byte[] src, int offset, int length) {
            byte[] next = Arrays.copyOf(data, data.length + length);
            System.arraycopy(src, offset, next, data.length, length);
            data = next;
        }

        byte[] consume(int n) {
            byte[] head = Arrays.copyOfRange(data, 0, n);
            data = Arrays.copyOfRange(data, n, data.length);
            return head;
        }

        int indexOf(byte value, int from, int to) {
            for (int i = from; i < Math.min(to, data.length); i++) {
                if (data[i] == value) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * A channel like a socket whose buffer takes {@code perCall} bytes, {@code calls} times, then nothing; it
     * fails the test if it is handed a heap buffer (the JDK would copy a heap buffer whole into a temporary direct
     * one).
     */
    static final class Sink implements GatheringByteChannel {
        private final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        private final int perCall;
        private int calls;

        Sink(int perCall, int calls) {
            this.perCall = perCall;
            this.calls = calls;
        }

        byte[] received() {
            return received.toByteArray();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            if (calls == 0) {
                return 0;
            }
            calls--;
            long room = perCall;
            long n = 0;
            for (int i = offset; i < offset + length && room > 0; i++) {
                ByteBuffer src = srcs[i];
                if (!src.isDirect()) {
                    throw new AssertionError("heap buffer handed to the channel");
                }
                int take = (int) Math.min(room, src.remaining());
                byte[] bytes = new byte[take];
                src.get(bytes);
                received.write(bytes, 0, take);
                room -= take;
                n += take;
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
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
