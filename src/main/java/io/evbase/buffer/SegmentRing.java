package io.evbase.buffer;

/**
 * The segments of a {@link BufferChain}, head first: a growable ring with indexed access and no iterators, and the
 * multi-byte values that may straddle its segments.
 *
 * <p>Performance: an indexable ring instead of an ArrayDeque (no iterator per lookup or write, 48 instead of 112
 * bytes per idle chain).
 *
 * <p>Threading: owned by its chain's loop thread.
 */
final class SegmentRing {

    private static final int INITIAL = 2;
    /** The largest ring an empty chain keeps: a reply of a header, a value and a trailer fits without regrowing. */
    private static final int KEPT = 8;
    private Segment[] ring = new Segment[INITIAL];
    private int head;
    private int size;

    int size() {
        return size;
    }

    /** The {@code k}-th segment from the head; {@code 0 <= k < size()}. */
    Segment get(int k) {
        return ring[(head + k) & (ring.length - 1)];
    }

    Segment peekFirst() {
        return size == 0 ? null : ring[head];
    }

    Segment peekLast() {
        return size == 0 ? null : ring[(head + size - 1) & (ring.length - 1)];
    }

    Segment pollFirst() {
        if (size == 0) {
            return null;
        }
        Segment s = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
        shrinkIfEmpty();
        return s;
    }

    /**
     * An emptied ring that grew for a long reply (a multiget of hundreds of values) goes back to its first size, so
     * an idle connection keeps no trace of the largest request it ever made; a ring of up to {@link #KEPT} slots is
     * kept, so that the usual reply's segments do not allocate a ring per reply.
     */
    private void shrinkIfEmpty() {
        if (size == 0 && ring.length > KEPT) {
            ring = new Segment[INITIAL];
            head = 0;
        }
    }

    Segment pollLast() {
        if (size == 0) {
            return null;
        }
        int i = (head + size - 1) & (ring.length - 1);
        Segment s = ring[i];
        ring[i] = null;
        size--;
        shrinkIfEmpty();
        return s;
    }

    void addLast(Segment s) {
        if (size == ring.length) {
            Segment[] bigger = new Segment[ring.length * 2]; // lengths stay powers of two
            for (int k = 0; k < size; k++) {
                bigger[k] = get(k);
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + size) & (ring.length - 1)] = s;
        size++;
    }

    /**
     * The big-endian value of {@code width} (2, 4 or 8) bytes at {@code index} (from the first readable byte, in
     * range), in the low bits.
     */
    long getBits(int index, int width) {
        for (int k = 0; k < size; k++) {
            Segment s = get(k);
            int n = s.readable();
            if (index < n) {
                if (n - index >= width) {
                    int at = s.readIndex + index;
                    return width == Short.BYTES ? s.getShort(at)
                            : width == Integer.BYTES ? s.getInt(at) : s.getLong(at);
                }
                long value = 0;
                for (int i = 0; i < width; i++, index++) { // straddles segments
                    while (index == s.readable()) {
                        s = get(++k);
                        index = 0;
                    }
                    value = value << 8 | (s.get(s.readIndex + index) & 0xff);
                }
                return value;
            }
            index -= n;
        }
        throw new IndexOutOfBoundsException(index);
    }

    /**
     * Sets {@code width} (1, 2, 4 or 8) bytes at {@code index} (in range of the {@code readable} bytes) to the
     * big-endian {@code value}; searches from the tail, where patches go.
     */
    void setBits(long index, long value, int width, long readable) {
        int k = size - 1;
        long base = readable - get(k).readable();
        while (index < base) {
            base -= get(--k).readable();
        }
        int offset = (int) (index - base);
        Segment s = get(k);
        if (s.readable() - offset >= width && s instanceof Chunk c) {
            int at = c.readIndex + offset;
            switch (width) {
                case Byte.BYTES -> c.memory.put(at, (byte) value);
                case Short.BYTES -> c.memory.putShort(at, (short) value);
                case Integer.BYTES -> c.memory.putInt(at, (int) value);
                default -> c.memory.putLong(at, value);
            }
            return;
        }
        for (int pass = 0; pass < 2; pass++) { // the first pass only checks that no byte is shared
            int j = k;
            int off = offset;
            for (int shift = 8 * (width - 1); shift >= 0; shift -= 8, off++) {
                Segment t = get(j);
                while (off == t.readable()) {
                    t = get(++j);
                    off = 0;
                }
                if (!(t instanceof Chunk c)) {
                    throw new IllegalStateException("bytes of a shared reference cannot be set: index " + index);
                }
                if (pass == 1) {
                    c.memory.put(c.readIndex + off, (byte) (value >>> shift));
                }
            }
        }
    }
}
