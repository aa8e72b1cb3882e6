package io.evbase.protocol.memcache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * incr and decr, memcached's do_add_delta: the arithmetic on an item's decimal value and the item it leaves, for
 * the classic commands ({@link MemcacheStore#delta}) and meta arithmetic ({@code ma}), which apply it inside
 * {@link MemcacheStore#compute}.
 *
 * <p>The value must parse as an unsigned 64-bit decimal ({@link StrtolParser#strtoull}); incr wraps at 2^64, decr
 * stops at 0. A result no longer than the old value keeps its length, space-padded, as memcached writes it in place
 * (so {@code decr} of "10" reads back as "9 "); a longer one is longer and drops the item's flag bits. Either way
 * the CAS changes and the flags and expiry stay. A value too large for memcached to keep in one chunk is not
 * numeric to it.
 *
 * <p>Threading: stateless; {@link #apply} is a function of its arguments but for the CAS it takes from the
 * store's counter (an atomic).
 */
final class IncrDecr {

    private IncrDecr() {
    }

    /** What {@link #apply} found. */
    enum Status { OK, NON_NUMERIC, NOT_FOUND, CAS_MISMATCH }

    /** The outcome of {@link #apply}: the status and, when OK, the item after the change and the new value. */
    record Outcome(Status status, Item item, long value) {
    }

    /**
     * Adds {@code delta} to the value of {@code old} (or subtracts it); counts nothing.
     *
     * @param old    the live item, null if there is none
     * @param now    the store's time (memcached's current_time), the changed item's last access
     * @param reqCas a CAS the item must have (meta arithmetic's {@code C}), 0 for none
     * @param casIds the store's CAS counter: the changed item takes the next one (nothing is taken otherwise)
     */
    static Outcome apply(Item old, long now, boolean incr, long delta, long reqCas, AtomicLong casIds) {
        if (old == null) {
            return new Outcome(Status.NOT_FOUND, null, 0);
        }
        int dataLength = old.valueLength() + 2;
        if (dataLength <= 2 || ItemSizes.chunked(ItemSizes.itemTotal(old.key.length, old.flags, dataLength))) {
            return new Outcome(Status.NON_NUMERIC, null, 0);
        }
        if (reqCas != 0 && old.cas != reqCas) {
            return new Outcome(Status.CAS_MISMATCH, null, 0);
        }
        byte[] current = old.data();
        StrtolParser n = new StrtolParser();
        if (!n.strtoull(current, 0, current.length)) {
            return new Outcome(Status.NON_NUMERIC, null, 0);
        }
        long value = n.value;
        if (incr) {
            value += delta;
        } else {
            value = Long.compareUnsigned(delta, value) > 0 ? 0 : value - delta;
        }
        byte[] digits = Long.toUnsignedString(value).getBytes(StandardCharsets.US_ASCII);
        byte[] data;
        int bits;
        if (digits.length + 2 <= dataLength) {
            data = new byte[dataLength];
            System.arraycopy(digits, 0, data, 0, digits.length);
            Arrays.fill(data, digits.length, data.length - 2, (byte) ' ');
            bits = old.bits;
        } else {
            data = new byte[digits.length + 2];
            System.arraycopy(digits, 0, data, 0, digits.length);
            bits = 0;
        }
        data[data.length - 2] = '\r';
        data[data.length - 1] = '\n';
        Item updated = old.copy(data, old.flags, old.exptime, casIds.incrementAndGet(), bits);
        updated.time = now;
        return new Outcome(Status.OK, updated, value);
    }
}
