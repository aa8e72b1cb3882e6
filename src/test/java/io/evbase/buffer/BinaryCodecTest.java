package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The binary and UTF-8 toolkit of {@link BufferChain} against {@link java.nio.ByteBuffer} and the JDK's own UTF-8,
 * over chains cut into small chunks and shared references at random places, so that values straddle segments.
 */
class BinaryCodecTest {

    /** One value: its kind (width and byte order) and its bits. */
    record Value(int kind, long bits) {
        int width() {
            return switch (kind / 2) {
                case 0 -> 1;
                case 1 -> 2;
                case 2 -> 4;
                default -> 8;
            };
        }

        ByteOrder order() {
            return kind % 2 == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        }
    }

    @Provide
    Arbitrary<List<Value>> values() {
        Arbitrary<Long> bits = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(0L, -1L, 0x80L, 0xffL, 0x8000L, 0xffffL, 0x80000000L, 0xffffffffL, Long.MIN_VALUE));
        return Combinators.combine(Arbitraries.integers().between(0, 7), bits).as(Value::new).list().ofMaxSize(400);
    }

    private static BufferChain chain(int chunkSize) {
        BufferPool pool = new BufferPool(chunkSize, 4L * chunkSize, 16L * chunkSize, 1L << 30);
        return new BufferChain(pool.newCache("codec"));
    }

    private static void put(ByteBuffer model, Value v) {
        model.order(v.order());
        switch (v.width()) {
            case 1 -> model.put((byte) v.bits());
            case 2 -> model.putShort((short) v.bits());
            case 4 -> model.putInt((int) v.bits());
            default -> model.putLong(v.bits());
        }
    }

    private static void write(BufferChain chain, Value v) {
        boolean le = v.order() == ByteOrder.LITTLE_ENDIAN;
        switch (v.width()) {
            case 1 -> chain.write((byte) v.bits());
            case 2 -> chain.writeShort((int) v.bits()); // writeShortLE below when little-endian
            case 4 -> {
                if (le) {
                    chain.writeIntLE((int) v.bits());
                } else {
                    chain.writeInt((int) v.bits());
                }
            }
            default -> {
                if (le) {
                    chain.writeLongLE(v.bits());
                } else {
                    chain.writeLong(v.bits());
                }
            }
        }
    }

    /** Writes the values with the typed writes, then gets, reads and unsigned reads each back. */
    @Property(tries = 300)
    void typedWritesReadBackAsByteBufferWouldAcrossChunks(@ForAll("values") List<Value> values,
            @ForAll @IntRange(min = 64, max = 160) int chunkSize, @ForAll @IntRange(min = 0, max = 150) int prefix) {
        BufferChain chain = chain(chunkSize);
        chain.write(new byte[prefix]).skip(prefix); // start anywhere in a chunk
        ByteBuffer model = ByteBuffer.allocate(values.size() * 8);
        for (Value v : values) {
            put(model, v);
            if (v.width() == 2 && v.order() == ByteOrder.LITTLE_ENDIAN) {
                chain.writeShortLE((int) v.bits());
            } else {
                write(chain, v);
            }
        }
        model.flip();
        assertThat(chain.readableBytes()).isEqualTo(model.limit());
        int at = 0;
        for (Value v : values) {
            model.order(v.order());
            boolean le = v.order() == ByteOrder.LITTLE_ENDIAN;
            switch (v.width()) {
                case 1 -> {
                    assertThat(chain.getByte(at)).isEqualTo(model.get(at));
                    assertThat(chain.getUnsignedByte(at)).isEqualTo((short) (model.get(at) & 0xff));
                }
                case 2 -> {
                    assertThat(le ? chain.getShortLE(at) : chain.getShort(at)).isEqualTo(model.getShort(at));
                    assertThat(le ? chain.getUnsignedShortLE(at) : chain.getUnsignedShort(at))
                            .isEqualTo(model.getShort(at) & 0xffff);
                }
                case 4 -> {
                    assertThat(le ? chain.getIntLE(at) : chain.getInt(at)).isEqualTo(model.getInt(at));
                    assertThat(le ? chain.getUnsignedIntLE(at) : chain.getUnsignedInt(at))
                            .isEqualTo(model.getInt(at) & 0xffffffffL);
                }
                default -> assertThat(le ? chain.getLongLE(at) : chain.getLong(at)).isEqualTo(model.getLong(at));
            }
            at += v.width();
        }
        for (Value v : values) {
            model.order(v.order());
            boolean le = v.order() == ByteOrder.LITTLE_ENDIAN;
            boolean unsigned = (v.bits() & 1) == 0;
            switch (v.width()) {
                case 1 -> {
                    byte b = model.get();
                    if (unsigned) {
                        assertThat(chain.readUnsignedByte()).isEqualTo((short) (b & 0xff));
                    } else {
                        assertThat(chain.readByte()).isEqualTo(b);
                    }
                }
                case 2 -> {
                    short s = model.getShort();
                    if (unsigned) {
                        assertThat(le ? chain.readUnsignedShortLE() : chain.readUnsignedShort()).isEqualTo(s & 0xffff);
                    } else {
                        assertThat(le ? chain.readShortLE() : chain.readShort()).isEqualTo(s);
                    }
                }
                case 4 -> {
                    int i = model.getInt();
                    if (unsigned) {
                        assertThat(le ? chain.readUnsignedIntLE() : chain.readUnsignedInt()).isEqualTo(i & 0xffffffffL);
                    } else {
                        assertThat(le ? chain.readIntLE() : chain.readInt()).isEqualTo(i);
                    }
                }
                default -> assertThat(le ? chain.readLongLE() : chain.readLong()).isEqualTo(model.getLong());
            }
        }
        assertThat(chain.isEmpty()).isTrue();
        assertThat(chain.chunkCount()).isZero();
    }

    /** Random bytes laid out as copies and shared references cut anywhere; every get at every index agrees. */
    @Property(tries = 200)
    void getsAtEveryIndexAgreeAcrossSharedAndCopiedSegments(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1,
            max = 3000) Integer> pieces, @ForAll @IntRange(min = 64, max = 256) int chunkSize, @ForAll long seed) {
        int total = pieces.stream().mapToInt(Integer::intValue).sum();
        byte[] bytes = new byte[total];
        new Random(seed).nextBytes(bytes);
        BufferChain chain = chain(chunkSize);
        int from = 0;
        for (int piece : pieces) {
            if (piece % 3 == 0) {
                chain.writeShared(bytes, from, piece);
            } else {
                chain.write(bytes, from, piece);
            }
            from += piece;
        }
        ByteBuffer big = ByteBuffer.wrap(bytes);
        ByteBuffer little = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < total; i++) {
            assertThat(chain.getByte(i)).isEqualTo(big.get(i));
            if (i + 2 <= total) {
                assertThat(chain.getShort(i)).isEqualTo(big.getShort(i));
                assertThat(chain.getUnsignedShortLE(i)).isEqualTo(little.getShort(i) & 0xffff);
            }
            if (i + 4 <= total) {
                assertThat(chain.getInt(i)).isEqualTo(big.getInt(i));
                assertThat(chain.getIntLE(i)).isEqualTo(little.getInt(i));
            }
            if (i + 8 <= total) {
                assertThat(chain.getLong(i)).isEqualTo(big.getLong(i));
                assertThat(chain.getLongLE(i)).isEqualTo(little.getLong(i));
            }
        }
        assertThatThrownBy(() -> chain.getInt(total - 3)).isInstanceOf(IndexOutOfBoundsException.class);
        chain.clear();
    }

    /** A placeholder set once the body is written, where the placeholder straddles chunks or not. */
    @Property(tries = 300)
    void setsPatchWhatWasWritten(@ForAll @IntRange(min = 0, max = 300) int before,
            @ForAll @IntRange(min = 0, max = 300) int after, @ForAll @IntRange(min = 0, max = 6) int kind,
            @ForAll long value, @ForAll @IntRange(min = 64, max = 100) int chunkSize) {
        BufferChain chain = chain(chunkSize);
        ByteBuffer model = ByteBuffer.allocate(before + 8 + after);
        chain.write(new byte[before]);
        model.position(before);
        long at = chain.readableBytes();
        int width = new int[] {1, 2, 2, 4, 4, 8, 8}[kind];
        chain.write(new byte[width + after]);
        model.order(kind % 2 == 0 && kind > 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        switch (kind) {
            case 0 -> {
                chain.setByte(at, (int) value);
                model.put((byte) value);
            }
            case 1 -> {
                chain.setShort(at, (int) value);
                model.putShort((short) value);
            }
            case 2 -> {
                chain.setShortLE(at, (int) value);
                model.putShort((short) value);
            }
            case 3 -> {
                chain.setInt(at, (int) value);
                model.putInt((int) value);
            }
            case 4 -> {
                chain.setIntLE(at, (int) value);
                model.putInt((int) value);
            }
            case 5 -> {
                chain.setLong(at, value);
                model.putLong(value);
            }
            default -> {
                chain.setLongLE(at, value);
                model.putLong(value);
            }
        }
        byte[] expected = java.util.Arrays.copyOf(model.array(), before + width + after);
        assertThat(chain.toByteArray()).isEqualTo(expected);
        chain.clear();
    }

    @Example
    void sharedBytesCannotBeSet() {
        BufferChain chain = chain(64);
        byte[] value = new byte[2 * BufferChain.SHARE_THRESHOLD];
        chain.write(new byte[] {1, 2}).writeShared(value, 0, value.length);
        assertThatThrownBy(() -> chain.setInt(0, 7)).isInstanceOf(IllegalStateException.class);
        assertThat(chain.getShort(0)).as("nothing half-written").isEqualTo((short) 0x0102);
        assertThat(value).containsOnly(0);
        chain.clear();
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(200),
                Arbitraries.strings().withChars("aé€\uD83D\uDE00\uD800\uDC00\uDBFF\uDFFF\uD800\uDC00x")
                        .ofMaxLength(200),
                Arbitraries.strings().ascii().ofMaxLength(300));
    }

    /** As {@code String.getBytes(UTF_8)}: surrogate pairs, unpaired surrogates as '?', chars across chunk ends. */
    @Property(tries = 1000)
    void writeUtf8EncodesAsTheJdk(@ForAll("text") String text, @ForAll @IntRange(min = 64, max = 80) int chunkSize,
            @ForAll @IntRange(min = 0, max = 70) int prefix) {
        BufferChain chain = chain(chunkSize);
        chain.write(new byte[prefix]);
        chain.writeUtf8(text);
        byte[] expected = text.getBytes(StandardCharsets.UTF_8);
        assertThat(BufferChain.utf8Length(text)).isEqualTo(expected.length);
        chain.skip(prefix);
        assertThat(chain.toByteArray()).isEqualTo(expected);
        assertThat(chain.readUtf8(expected.length)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
        chain.clear();
    }

    /** Any bytes, cut anywhere (shared or copied): decoded as {@code new String(bytes, UTF_8)} does. */
    @Property(tries = 500)
    void utf8DecodesAsTheJdkAcrossSegments(@ForAll("text") String text, @ForAll byte[] noise,
            @ForAll @IntRange(min = 1, max = 1500) int cut, @ForAll @IntRange(min = 64, max = 80) int chunkSize) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[utf8.length + noise.length];
        System.arraycopy(utf8, 0, bytes, 0, utf8.length);
        System.arraycopy(noise, 0, bytes, utf8.length, noise.length);
        BufferChain chain = chain(chunkSize);
        int c = Math.min(cut, bytes.length);
        chain.writeShared(bytes, 0, c);
        chain.write(bytes, c, bytes.length - c);
        for (int from = 0; from < bytes.length; from += 1 + bytes.length / 7) {
            int length = bytes.length - from;
            assertThat(chain.getUtf8(from, length))
                    .isEqualTo(new String(bytes, from, length, StandardCharsets.UTF_8));
        }
        chain.clear();
    }

    @Example
    void readChainMovesWholeChunksWithoutCopying() {
        BufferPool pool = new BufferPool(64, 64 * 64, 64 * 64, 1 << 20);
        BufferChain in = new BufferChain(pool.newCache("loop"));
        byte[] frame = new byte[4 + 1000];
        new Random(3).nextBytes(frame);
        ByteBuffer.wrap(frame).putInt(0, 1000);
        in.write(frame).write(new byte[] {9, 9, 9});
        long allocations = pool.allocations();
        int length = in.readInt();
        BufferChain payload = in.readChain(length);
        assertThat(payload.readableBytes()).isEqualTo(1000);
        assertThat(payload.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(frame, 4, frame.length));
        assertThat(in.readBytes(3)).containsExactly(9, 9, 9);
        assertThat(pool.allocations()).as("at most the cut chunk at either end is copied").isLessThanOrEqualTo(
                allocations + 2);
        assertThat(payload.chunkCount()).isLessThanOrEqualTo(1000 / 64 + 2);
        payload.clear();
        assertThat(pool.inUseBytes()).isZero();
    }

    /** The reply path stays allocation-free: typed writes, UTF-8 writes and reads of values allocate nothing. */
    @Example
    void typedAndUtf8WritesAndReadsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BufferChain chain = chain(16 * 1024);
        String text = "héllo wörld, \uD83D\uDE00 ".repeat(40);
        List<Long> allocated = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // the first rounds warm the pool and the code
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) {
                chain.writeInt(i).writeLongLE(i).writeShort(i).writeUtf8(text);
                chain.skip(chain.readInt() >= 0 ? chain.readLongLE() * 0 : 0);
                chain.readUnsignedShort();
                chain.skip(chain.readableBytes());
            }
            allocated.add(threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(allocated.get(2)).as("bytes allocated by 2000 rounds, after warm-up").isLessThan(2000);
    }
}
