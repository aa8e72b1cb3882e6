package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keys hash with a seeded SipHash and order as unsigned bytes, so chosen keys cannot flood one hash bin. */
class ItemKeyTest {

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
    void keysThatCollideUnderArraysHashCodeSpreadUnderTheSeededHash() {
        List<byte[]> keys = collidingKeys(15);
        assertThat(keys).hasSize(32_768);
        Set<Integer> javaHashes = new HashSet<>();
        Set<Integer> ours = new HashSet<>();
        Map<Integer, Integer> bins = new HashMap<>();
        for (byte[] k : keys) {
            javaHashes.add(Arrays.hashCode(k));
            int h = new ItemKey(k).hashCode();
            ours.add(h);
            bins.merge((h ^ (h >>> 16)) & ((1 << 16) - 1), 1, Integer::sum); // ConcurrentHashMap's spread, 64Ki bins
        }
        assertThat(javaHashes).as("the attack: one hash for all").hasSize(1);
        assertThat(ours.size()).as("distinct 32-bit hashes").isGreaterThan(32_700);
        assertThat(bins.values().stream().mapToInt(Integer::intValue).max().orElseThrow())
                .as("fullest of 65,536 bins").isLessThan(12);
    }

    @Test
    void theHashIsKeyedPerInstance() {
        byte[] k = "some-key".getBytes(StandardCharsets.US_ASCII);
        SipHash a = SipHash.random(1, 3);
        SipHash b = SipHash.random(1, 3);
        assertThat(a.hash(k, 0, k.length)).isEqualTo(a.hash(k, 0, k.length)).isNotEqualTo(b.hash(k, 0, k.length));
    }

    @Test
    void aProbeHashesAndComparesLikeAStoredKey() {
        byte[] line = "get alpha beta".getBytes(StandardCharsets.US_ASCII);
        ItemKey stored = ItemKey.copyOf(line, 4, 5);
        ItemKey probe = ItemKey.probe().set(line, 4, 5);
        assertThat(probe).isEqualTo(stored);
        assertThat(probe.hashCode()).isEqualTo(stored.hashCode());
        assertThat(probe.compareTo(stored)).isZero();
    }

    /** ConcurrentHashMap treeifies a crowded bin only for keys of a class C implementing Comparable of C. */
    @Test
    void keysAreComparableInUnsignedByteOrder() {
        boolean comparableOfItself = false;
        for (Type t : ItemKey.class.getGenericInterfaces()) {
            if (t instanceof ParameterizedType p && p.getRawType() == Comparable.class
                    && p.getActualTypeArguments()[0] == ItemKey.class) {
                comparableOfItself = true;
            }
        }
        assertThat(comparableOfItself).isTrue();
        ItemKey low = new ItemKey(new byte[] {0x01});
        ItemKey high = new ItemKey(new byte[] {(byte) 0xff});
        ItemKey longer = new ItemKey(new byte[] {0x01, 0x00});
        assertThat(low.compareTo(high)).isNegative();
        assertThat(high.compareTo(low)).isPositive();
        assertThat(low.compareTo(longer)).isNegative();
        assertThat(low.compareTo(new ItemKey(new byte[] {0x01}))).isZero();
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
