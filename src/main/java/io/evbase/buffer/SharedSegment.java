package io.evbase.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reference to a range of an immutable array (a cached value, a constant reply), queued in a {@link BufferChain}
 * without copying it into pooled memory. The chain reads it like a chunk and never writes it; it is copied, a
 * bounded window at a time, only when it is written to a socket.
 *
 * <p>Threading: owned by one chain on its loop thread; kept for reuse in that loop's {@link BufferPool.Cache}.
 */
final class SharedSegment extends Segment {

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    byte[] array;

    /** Points this (recycled) segment at {@code array[offset, offset + length)}. */
    SharedSegment set(byte[] array, int offset, int length) {
        this.array = array;
        this.readIndex = offset;
        this.writeIndex = offset + length;
        this.limit = writeIndex;
        return this;
    }

    /** Drops the reference, so a cached segment keeps no value alive. */
    void reset() {
        array = null;
        readIndex = 0;
        writeIndex = 0;
        limit = 0;
    }

    @Override
    byte get(int index) {
        return array[index];
    }

    @Override
    short getShort(int index) {
        return (short) SHORT.get(array, index);
    }

    @Override
    int getInt(int index) {
        return (int) INT.get(array, index);
    }

    @Override
    long getLong(int index) {
        return (long) LONG.get(array, index);
    }

    @Override
    int indexOf(byte value, int start, int end) {
        byte[] a = array;
        long pattern = (value & 0xffL) * ONES;
        int i = start;
        for (int last = end - Long.BYTES; i <= last; i += Long.BYTES) {
            long zeros = matches((long) LONG.get(a, i), pattern);
            if (zeros != 0) {
                return i + (Long.numberOfLeadingZeros(zeros) >>> 3);
            }
        }
        for (; i < end; i++) {
            if (a[i] == value) {
                return i;
            }
        }
        return -1;
    }

    @Override
    void copyTo(int index, byte[] dst, int offset, int length) {
        System.arraycopy(array, index, dst, offset, length);
    }

    @Override
    void copyTo(int index, ByteBuffer dst, int dstIndex, int length) {
        dst.put(dstIndex, array, index, length);
    }
}
