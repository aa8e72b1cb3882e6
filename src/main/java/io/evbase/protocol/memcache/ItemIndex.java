package io.evbase.protocol.memcache;

/**
 * The store's index: key to the item's place, a hash table of {@code long}s split in stripes, each stripe its own
 * lock. There are no objects per item: an entry packs 20 bits of the key's hash (the fingerprint), the segment and
 * the offset of the item; the key itself is compared in the segment, and only when the fingerprint matches.
 *
 * <p>The hash is {@link SipHash} with a per-process key, computed once per request over the key bytes where the
 * command line holds them. Its bits choose the stripe ({@link #stripe}) and the fingerprint; the fingerprint scaled
 * to the table's size is the home slot, so a stripe grows without hashing any key again. Clients cannot choose keys
 * that share a stripe or a slot without the hash key.
 *
 * <p>Each stripe is an open-addressing table with linear probing in Robin Hood order, grown by half at 85 % load
 * (its size need not be a power of two: the home slot is the fingerprint times the size, shifted), and deletion by
 * backward shift (no tombstones): about 9 to 14 bytes per item in all. Robin Hood order (an entry never sits
 * farther from its home than the entries it passed) lets a lookup of an absent key stop at the first entry nearer
 * its home than the probe is: at 85 % load that is a few slots, where plain linear probing scans about 20 on
 * average (Knuth's ½(1 + 1/(1 − α)²)), and every {@code set} of a new key begins with such a lookup.
 *
 * <p>Threading: a stripe is guarded by its own monitor ({@code synchronized (stripe)}); every method of
 * {@link Stripe} must be called holding it. Stripes are independent: commands on keys of different stripes never
 * wait for each other.
 */
final class ItemIndex {

    /** Stripes (a power of two): locks for commands on different keys, and the unit that grows. */
    static final int STRIPES = 1024;
    static final int FINGERPRINT_BITS = 20;
    private static final int LOCATION_BITS = 64 - FINGERPRINT_BITS;
    private static final long LOCATION_MASK = (1L << LOCATION_BITS) - 1;

    private final Stripe[] stripes = new Stripe[STRIPES];

    ItemIndex() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    Stripe stripe(long hash) {
        return stripes[(int) (hash >>> FINGERPRINT_BITS) & (STRIPES - 1)];
    }

    Stripe stripeAt(int i) {
        return stripes[i];
    }

    static int fingerprint(long hash) {
        return (int) hash & ((1 << FINGERPRINT_BITS) - 1);
    }

    /** An entry: fingerprint and location (nonzero: locations are). */
    static long entry(int fingerprint, long location) {
        return ((long) fingerprint << LOCATION_BITS) | location;
    }

    static long location(long entry) {
        return entry & LOCATION_MASK;
    }

    static int fingerprintOf(long entry) {
        return (int) (entry >>> LOCATION_BITS);
    }

    /** Items in all stripes (a sum of per-stripe counts, each read without its lock: a moment's estimate). */
    long count() {
        long n = 0;
        for (Stripe s : stripes) {
            n += s.count;
        }
        return n;
    }

    /** Bytes of the live items in all stripes (as {@link #count()}). */
    long bytes() {
        long n = 0;
        for (Stripe s : stripes) {
            n += s.bytes;
        }
        return n;
    }

    /** Bytes the tables take. */
    long tableBytes() {
        long n = 0;
        for (Stripe s : stripes) {
            n += 16L + 8L * s.table.length;
        }
        return n;
    }

    /** The home slot of a fingerprint in a table of {@code capacity} slots: the fingerprint scaled to it. */
    static int home(int fingerprint, int capacity) {
        return (int) (((long) fingerprint * capacity) >>> FINGERPRINT_BITS);
    }

    /**
     * One stripe: a table of entries and the counts of its items. Locked by its own monitor.
     */
    static final class Stripe {
        long[] table = new long[16];
        int count;
        /** Bytes (item sizes in segments) of the items linked here. */
        long bytes;

        /** The slot of the entry with {@code fingerprint} whose item has the key {@code key[offset, +length)}, or -1. */
        int find(int fingerprint, Segments segments, byte[] key, int offset, int length) {
            long[] t = table;
            int n = t.length;
            for (int i = home(fingerprint, n), d = 0; ; d++) {
                long e = t[i];
                if (e == 0 || distance(e, i, n) < d) {
                    return -1; // the key would sit here, before an entry nearer its home: it is not in the table
                }
                if (fingerprintOf(e) == fingerprint) {
                    long loc = location(e);
                    if (ItemLayout.keyEquals(segments.array(loc), segments.at(loc), key, offset, length)) {
                        return i;
                    }
                }
                if (++i == n) {
                    i = 0;
                }
            }
        }

        /** The slot holding exactly {@code entry}, or -1. */
        int findEntry(long entry) {
            long[] t = table;
            int n = t.length;
            for (int i = home(fingerprintOf(entry), n), d = 0; ; d++) {
                long e = t[i];
                if (e == entry) {
                    return i;
                }
                if (e == 0 || distance(e, i, n) < d) {
                    return -1;
                }
                if (++i == n) {
                    i = 0;
                }
            }
        }

        /** How far slot {@code i} of a table of {@code n} slots lies past the home of {@code entry}, cyclically. */
        private static int distance(long entry, int i, int n) {
            int d = i - home(fingerprintOf(entry), n);
            return d < 0 ? d + n : d;
        }

        long entryAt(int slot) {
            return table[slot];
        }

        void replace(int slot, long entry) {
            table[slot] = entry;
        }

        /** Adds an entry for a key not in the table. */
        boolean insert(long entry) {
            if ((count + 1) * 20L > table.length * 17L) {
                grow();
            }
            place(table, entry);
            count++;
            return true;
        }

        /** Puts {@code entry} in Robin Hood order: it takes the place of the first entry nearer its home than it is. */
        private static void place(long[] t, long entry) {
            int n = t.length;
            long e = entry;
            int i = home(fingerprintOf(e), n);
            for (int d = 0; ; d++) {
                long there = t[i];
                if (there == 0) {
                    t[i] = e;
                    return;
                }
                int theirs = distance(there, i, n);
                if (theirs < d) {
                    t[i] = e; // the richer entry moves on, the poorer one stays
                    e = there;
                    d = theirs;
                }
                if (++i == n) {
                    i = 0;
                }
            }
        }

        /** Removes the item at {@code slot}, which takes {@code size} bytes in its segment. */
        void unlink(int slot, int size) {
            remove(slot);
            bytes -= size;
        }

        /** Removes the entry at {@code slot}, shifting back by one the entries after it that are not at their home. */
        void remove(int slot) {
            long[] t = table;
            int n = t.length;
            int hole = slot;
            while (true) {
                int j = hole + 1 == n ? 0 : hole + 1;
                long e = t[j];
                if (e == 0 || distance(e, j, n) == 0) {
                    break;
                }
                t[hole] = e;
                hole = j;
            }
            t[hole] = 0;
            count--;
        }

        /** Empties the stripe (its table keeps its size). */
        void clear() {
            java.util.Arrays.fill(table, 0);
            count = 0;
            bytes = 0;
        }

        private void grow() {
            long[] old = table;
            long[] t = new long[old.length + old.length / 2];
            for (long e : old) {
                if (e != 0) {
                    place(t, e);
                }
            }
            table = t;
        }
    }
}
