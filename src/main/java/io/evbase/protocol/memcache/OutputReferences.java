package io.evbase.protocol.memcache;

/**
 * The stored values one connection's output refers to, in the order they were written, each with the offset in the
 * connection's output stream where it ends: once the socket has taken the stream past that offset, the reference
 * is given back to the store's {@link ValueReferences}. Holds a few entries at a time (the write high watermark
 * over the size of a large value, plus one) and shrinks back when empty.
 *
 * <p>Threading: one per connection, on its loop thread only.
 */
final class OutputReferences {

    private static final int INITIAL = 4;

    private final ValueReferences store;
    private byte[][] arrays = new byte[INITIAL][];
    private long[] ends = new long[INITIAL];
    private int head;
    private int size;

    OutputReferences(ValueReferences store) {
        this.store = store;
    }

    /** Takes a reference to {@code array} from the store's budget; false when it has no room (copy instead). */
    boolean acquire(byte[] array) {
        return store.acquire(array);
    }

    /** Records an acquired {@code array}, now in the output, ending at stream offset {@code end}. */
    void add(byte[] array, long end) {
        if (size == arrays.length) {
            byte[][] a = new byte[size * 2][];
            long[] e = new long[size * 2];
            for (int k = 0; k < size; k++) {
                a[k] = arrays[(head + k) % arrays.length];
                e[k] = ends[(head + k) % arrays.length];
            }
            arrays = a;
            ends = e;
            head = 0;
        }
        int i = (head + size) % arrays.length;
        arrays[i] = array;
        ends[i] = end;
        size++;
    }

    /** Gives back the references the stream has passed ({@code written} bytes taken by the socket); how many remain. */
    int release(long written) {
        while (size > 0 && ends[head] <= written) {
            store.release(arrays[head]);
            arrays[head] = null;
            head = (head + 1) % arrays.length;
            size--;
        }
        if (size == 0 && arrays.length > INITIAL) {
            arrays = new byte[INITIAL][]; // keep nothing sized by the largest reply
            ends = new long[INITIAL];
            head = 0;
        }
        return size;
    }

    /** Gives back every reference (the connection closed). */
    void releaseAll() {
        release(Long.MAX_VALUE);
    }
}
