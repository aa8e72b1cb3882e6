package io.evbase.protocol.memcache;

/**
 * memcached's item size arithmetic, so that evbase draws the "object too large" line where memcached draws it and
 * reports the same slab class and item size in {@code me}.
 *
 * <p>memcached's item header is 48 bytes on a 64-bit build, plus 8 for the CAS, plus the key and its NUL, plus 4
 * for non-zero client flags, plus the data with its CRLF. Its slab classes start at 96 bytes and grow by the
 * factor 1.25, 8-byte aligned, up to half a 1 MB page; larger items are chunked and belong to the last class.
 *
 * <p>Threading: immutable after class initialisation.
 */
final class ItemSizes {

    static final int HEADER = 48;
    static final int CAS = 8;
    /** memcached's default slab_chunk_size_max (slab_page_size / 2); larger items are chunked. */
    static final int CHUNK_SIZE_MAX = 512 * 1024;
    private static final int MAX_CLASSES = 64;
    private static final int[] CLASS_SIZES = new int[MAX_CLASSES];
    private static final int LARGEST;

    static {
        int i = 0; // POWER_SMALLEST - 1
        long size = HEADER + 48;
        double factor = 1.25;
        while (++i < MAX_CLASSES - 1) {
            if (size >= CHUNK_SIZE_MAX / factor) {
                break;
            }
            if (size % 8 != 0) {
                size += 8 - (size % 8);
            }
            CLASS_SIZES[i] = (int) size;
            size = (long) (int) (size * factor); // unsigned int *= double truncates
        }
        LARGEST = i;
        CLASS_SIZES[LARGEST] = CHUNK_SIZE_MAX;
    }

    private ItemSizes() {
    }

    /** ITEM_ntotal: the bytes memcached charges for an item. {@code nbytes} includes the CRLF. */
    static long itemTotal(int nkey, int flags, long nbytes) {
        return HEADER + nkey + 1L + (flags != 0 ? 4 : 0) + nbytes + CAS;
    }

    /** memcached's item_size_ok: whether an item of this shape fits under {@code maxItemSize}. */
    static boolean sizeOk(int nkey, int flags, long nbytes, long maxItemSize) {
        if (nbytes < 2) {
            return false;
        }
        long total = itemTotal(nkey, flags, nbytes);
        return total <= maxItemSize;
    }

    /** The slab class memcached would put an item of {@code total} bytes in (its slabs_clsid), 0 if too big. */
    static int slabClass(long total, long maxItemSize) {
        if (total == 0 || total > maxItemSize) {
            return 0;
        }
        int res = 1;
        while (total > CLASS_SIZES[res]) {
            if (res++ == LARGEST) {
                return LARGEST;
            }
        }
        return res;
    }

    /** Whether memcached would store the item in chunks (incr/decr refuse those as non-numeric). */
    static boolean chunked(long total) {
        return total > CHUNK_SIZE_MAX;
    }
}
