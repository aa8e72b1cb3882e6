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
 * cannot be read as if it were current. A short value already whole in the input (the common case of a pipelined or
 * small {@code set}) gets no array and so no charge: its bytes are the input's, bounded by the read watermark and
 * the buffer pool, and it is stored within the same call.
 *
 * <p>Threading: one instance per connection, on its loop thread; the store is thread-safe.
 */
final class PendingStore {

    private final MemcacheStore store;
    private final MemcacheStats stats;
    private final Replies replies;
    private final MetaCommands meta;

    private StoreMode mode;
    /**
     * The key: an array of its own ({@code ms}), or null when it is in the command's line, which the parser keeps
     * until the data block is complete ({@link RequestParser#line()}).
     */
    private byte[] key;
    private int keyOffset;
    private int keyLength;
    private int flags;
    private long exptime;
    private long cas;
    private int bits;
    private boolean setStale;
    /** An {@code ms}: the reply echoes the flags of its line. */
    private boolean metaSet;
    /** What the value in flight is charged in the store's budget (0: none), given back when it ends. */
    private long charge;

    PendingStore(MemcacheStore store, Replies replies, MetaCommands meta) {
        this.store = store;
        this.stats = store.stats();
        this.replies = replies;
        this.meta = meta;
    }

    /**
     * Admits a data block of {@code nbytes} (its CRLF included) for {@code key}, or refuses it: writes the error,
     * swallows the block and, if {@code unlinkOnFailure}, removes the key's old value. The error shows even under
     * noreply when {@code forceError} (an {@code ms}).
     */
    boolean admit(RequestParser p, byte[] key, int keyOffset, int keyLength, int flags, long nbytes,
            boolean unlinkOnFailure, boolean forceError) {
        String error;
        if (!ItemSizes.sizeOk(keyLength, flags, nbytes, store.maxItemSize())) {
            error = "SERVER_ERROR object too large for cache";
            stats.storeTooLarge.increment();
        } else if (p.valueArrivesWhole(nbytes)) {
            return true; // nothing is allocated for it (charge stays 0): see RequestParser.valueArrivesWhole
        } else {
            long c = store.chargeValue(keyLength, nbytes);
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
            store.unlink(key, keyOffset, keyLength);
        }
        return false;
    }

    /**
     * Arms the data block of an admitted command: the parser reads its {@code nbytes}. {@code key} is an array of
     * the key's own, or the command's line (then read back from the parser when the block is complete).
     */
    void expect(RequestParser p, StoreMode mode, byte[] key, int keyOffset, int keyLength, int flags, long exptime,
            long cas, int bits, boolean setStale, boolean meta, long nbytes) {
        this.mode = mode;
        this.key = key == p.line() ? null : key;
        this.keyOffset = keyOffset;
        this.keyLength = keyLength;
        this.flags = flags;
        this.exptime = exptime;
        this.cas = cas;
        this.bits = bits;
        this.setStale = setStale;
        this.metaSet = meta;
        p.expectValue((int) nbytes);
    }

    /**
     * The data block arrived, {@code data[0, length)} with its CRLF: stores it and writes the reply (memcached's
     * complete_nread_ascii).
     */
    void complete(RequestParser p, byte[] data, int length) {
        stats.cmdSet.increment();
        byte[] k = key != null ? key : p.line();
        key = null;
        if (data[length - 2] != '\r' || data[length - 1] != '\n') {
            release();
            if (metaSet) {
                replies.noreply(false); // meta set always reports errors
            }
            replies.line("CLIENT_ERROR bad data chunk");
            return;
        }
        long o = store.store(mode, k, keyOffset, keyLength, data, length, flags, exptime, bits, cas, setStale);
        release(); // the item now takes its place in the segments (or was not stored)
        StoreResult result = MemcacheStore.result(o);
        if (result == StoreResult.NO_MEMORY) {
            stats.storeNoMemory.increment();
            replies.error(result.classic);
        } else if (metaSet) {
            meta.finishSet(CommandScratch.get(), replies, p.line(), p.lineLength(), result, o, k,
                    (bits & Item.KEY_BINARY) != 0);
        } else {
            replies.line(result.classic);
        }
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
