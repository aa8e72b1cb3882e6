package io.evbase.buffer;

/**
 * The segments of a {@link BufferChain}, head first: a growable ring with indexed access and no iterators.
 *
 * <p>Performance: an indexable ring instead of an ArrayDeque (no iterator per lookup or write, 48 instead of 112
 * bytes per idle chain).
 *
 * <p>Threading: owned by its chain's loop thread.
 */
final class SegmentRing {

    private Segment[] ring = new Segment[2];
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
        return s;
    }

    Segment pollLast() {
        if (size == 0) {
            return null;
        }
        int i = (head + size - 1) & (ring.length - 1);
        Segment s = ring[i];
        ring[i] = null;
        size--;
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
}
