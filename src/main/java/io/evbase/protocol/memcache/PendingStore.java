package io.evbase.protocol.memcache;

/**
 * A storage command between its line and its data block ({@code set}, {@code add}, {@code replace},
 * {@code append}, {@code prepend}, {@code cas}, {@code ms}): admission when the line is parsed, the parameters the
 * block is stored with, and the reply once it is stored. One per connection (a connection parses nothing else while
 * a data block arrives).
 *
 * <p>Admission is memcached's item_alloc, before the data block arrives: an item too large for the item size limit
 * is refused; otherwise the value is charged to the store's memory budget before its array is allocated (memcached
 * allocates the item from its slab budget, evicting others, when it parses the line), and refused with
 * {@code SERVER_ERROR out of memory storing object} when values in flight already hold their share. A refused
 * value's data block is swallowed without being allocated; a failed set also removes the old value so that it
 * cannot be read as if it were current.
 *
 * <p>Threading: one instance per connection, on its loop thread; the store is thread-safe.
 */
final class PendingStore {

    private final MemcacheStore store;
    private final MemcacheStats stats;
    private final Replies replies;
    private final MetaEcho echo;

    private StoreMode mode;
    private byte[] key;
    private int flags;
    private long exptime;
    private long cas;
    private int bits;
    private boolean setStale;
    /** An {@code ms}: the reply echoes the flags planned in {@link #echo}. */
    private boolean meta;
    /** What the value in flight is charged in the store's budget (0: none), given back when it ends. */
    private long charge;

    PendingStore(MemcacheStore store, Replies replies, MetaEcho echo) {
        this.store = store;
        this.stats = store.stats();
        this.replies = replies;
        this.echo = echo;
    }

    /**
     * Admits a data block of {@code nbytes} (its CRLF included) for {@code key}, or refuses it: writes the error,
     * swallows the block and, if {@code unlinkOnFailure}, removes the key's old value. The error shows even under
     * noreply when {@code forceError} (an {@code ms}).
     */
    boolean admit(RequestParser p, byte[] key, int flags, long nbytes, boolean unlinkOnFailure, boolean forceError) {
        String error;
        if (!ItemSizes.sizeOk(key.length, flags, nbytes, store.maxItemSize())) {
            error = "SERVER_ERROR object too large for cache";
            stats.storeTooLarge.increment();
        } else {
            long c = store.chargeValue(key.length, nbytes);
            if (c >= 0) {
                charge = c;
                return true;
            }
            error = "SERVER_ERROR out of memory storing object";
            stats.storeNoMemory.increment();
        }
        if (forceError) {
            boolean saved = replies.noreply();
            replies.error(error);
            replies.noreply(saved);
        } else {
            replies.line(error);
        }
        p.swallow(nbytes);
        if (unlinkOnFailure) {
            store.unlink(key, 0, key.length);
        }
        return false;
    }

    /** Arms the data block of an admitted command: the parser reads its {@code nbytes} into a new array. */
    void expect(RequestParser p, StoreMode mode, byte[] key, int flags, long exptime, long cas, int bits,
            boolean setStale, boolean meta, long nbytes) {
        this.mode = mode;
        this.key = key;
        this.flags = flags;
        this.exptime = exptime;
        this.cas = cas;
        this.bits = bits;
        this.setStale = setStale;
        this.meta = meta;
        p.expectValue(new byte[(int) nbytes]);
    }

    /** The data block arrived: stores it and writes the reply (memcached's complete_nread_ascii). */
    void complete(byte[] data) {
        stats.cmdSet.increment();
        byte[] k = key;
        key = null;
        int n = data.length;
        if (data[n - 2] != '\r' || data[n - 1] != '\n') {
            release();
            if (meta) {
                replies.noreply(false); // meta set always reports errors
            }
            replies.line("CLIENT_ERROR bad data chunk");
            return;
        }
        MemcacheStore.StoreOutcome o = store.store(mode, k, 0, k.length, data, flags, exptime, bits, cas, setStale);
        release(); // the item now takes its place in the segments (or was not stored)
        if (o.result() == StoreResult.NO_MEMORY) {
            stats.storeNoMemory.increment();
            replies.error(o.result().classic);
        } else if (meta) {
            finishMeta(o, k);
        } else {
            replies.line(o.result().classic);
        }
    }

    /** The reply of an {@code ms} whose data block was stored (memcached's _finalize_mset). */
    private void finishMeta(MemcacheStore.StoreOutcome o, byte[] k) {
        if (o.result() == StoreResult.STORED && replies.noreply()) {
            return;
        }
        echo.cas = o.result() == StoreResult.STORED ? o.cas() : 0;
        echo.key = k;
        replies.out.writeAscii(o.result().meta);
        echo.write(replies.out, "Okc");
        replies.crlf();
    }

    /** Gives back the charge of the value in flight, if any. */
    private void release() {
        long c = charge;
        charge = 0;
        store.releaseValue(c);
    }

    /** The connection closed: gives back what it held in the store's budget (a value it was still receiving). */
    void close() {
        release();
        key = null;
    }
}
