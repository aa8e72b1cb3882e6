package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keys hash with a seeded SipHash, so that chosen keys cannot crowd one stripe or one slot of the index. */
class KeyHashTest {

    /** SipHash-2-4's published vectors: key 00..0f, messages 00..(n-1). */
    @Test
    void sipHash24MatchesTheReferenceVectors() {
        SipHash h = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 2, 4);
        byte[] msg = new byte[64];
        for (int i = 0; i < msg.length; i++) {
            msg[i] = (byte) i;
        }
        assertThat(h.hash(msg, 0, 0)).isEqualTo(0x726fdb47dd0e0e31L);
        assertThat(h.hash(msg, 0, 1)).isEqualTo(0x74f839c593dc67fdL);
        assertThat(h.hash(msg, 0, 7)).isEqualTo(0xab0200f58b01d137L);
        assertThat(h.hash(msg, 0, 8)).isEqualTo(0x93f5f5799a932462L);
        assertThat(h.hash(msg, 0, 15)).isEqualTo(0xa129ca6149be45e5L);
        assertThat(h.hash(msg, 0, 63)).isEqualTo(0x958a324ceb064572L);
        // an offset into a larger array hashes the same bytes the same way
        byte[] shifted = new byte[80];
        System.arraycopy(msg, 0, shifted, 5, 63);
        assertThat(h.hash(shifted, 5, 63)).isEqualTo(0x958a324ceb064572L);
    }

    @Test
    void keysThatCollideUnderArraysHashCodeSpreadOverTheIndex() {
        List<byte[]> keys = collidingKeys(15);
        assertThat(keys).hasSize(32_768);
        Set<Integer> javaHashes = new HashSet<>();
        Set<Long> places = new HashSet<>();
        Map<Integer, Integer> stripes = new HashMap<>();
        for (byte[] k : keys) {
            javaHashes.add(Arrays.hashCode(k));
            long h = MemcacheStore.hash(k, 0, k.length);
            int stripe = (int) (h >>> ItemIndex.FINGERPRINT_BITS) & (ItemIndex.STRIPES - 1);
            places.add(((long) stripe << 32) | ItemIndex.fingerprint(h));
            stripes.merge(stripe, 1, Integer::sum);
        }
        assertThat(javaHashes).as("the attack: one hash for all").hasSize(1);
        assertThat(places.size()).as("distinct (stripe, fingerprint) places").isGreaterThan(32_700);
        assertThat(stripes.values().stream().mapToInt(Integer::intValue).max().orElseThrow())
                .as("fullest of 1,024 stripes (32 on average)").isLessThan(70);
    }

    /** The same keys stored: all found, and the index holds exactly them. */
    @Test
    void collidingKeysAreAllStoredAndFound() {
        MemcacheStore store = new MemcacheStore(64L << 20, 1 << 20, new ManualClock());
        List<byte[]> keys = collidingKeys(15);
        byte[] value = "v\r\n".getBytes(StandardCharsets.US_ASCII);
        for (byte[] k : keys) {
            assertThat(store.store(StoreMode.SET, k, 0, k.length, value, value.length, 0, 0, 0, 0, false))
                    .isPositive();
        }
        ItemView view = new ItemView();
        int found = 0;
        for (byte[] k : keys) {
            found += store.get(k, 0, k.length, false, view, null) ? 1 : 0;
        }
        assertThat(found).isEqualTo(keys.size());
        assertThat(store.itemCount()).isEqualTo(keys.size());
    }

    /** All 2^blocks strings of "Aa"/"BB" blocks: one Arrays.hashCode (and String.hashCode) for all of them. */
    static List<byte[]> collidingKeys(int blocks) {
        List<byte[]> keys = new java.util.ArrayList<>(1 << blocks);
        for (int bits = 0; bits < 1 << blocks; bits++) {
            byte[] k = new byte[2 * blocks];
            for (int b = 0; b < blocks; b++) {
                boolean aa = (bits >>> b & 1) == 0;
                k[2 * b] = (byte) (aa ? 'A' : 'B');
                k[2 * b + 1] = (byte) (aa ? 'a' : 'B');
            }
            keys.add(k);
        }
        return keys;
    }
}
