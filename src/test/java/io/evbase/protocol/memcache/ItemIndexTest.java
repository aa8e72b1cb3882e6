package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A stripe of the index against a model (a set of entries): random inserts and removals, with fingerprints crowded
 * into a few home slots so that probe runs wrap around the table's end and removals shift entries back across it;
 * after every step each entry of the model is found and no other is, and the table is in Robin Hood order (along
 * a run, no entry is more than one slot farther from its home than the one before it), which the early stop of a
 * lookup for an absent key relies on.
 */
class ItemIndexTest {

    @Test
    void aStripeHoldsExactlyItsEntriesThroughGrowthWrapAndBackwardShift() {
        Random r = new Random(11);
        for (int round = 0; round < 40; round++) {
            ItemIndex.Stripe s = new ItemIndex.Stripe();
            Set<Long> model = new HashSet<>();
            List<Long> present = new ArrayList<>();
            // half the rounds: fingerprints from a few values only (long collision runs); the others: any value
            int crowd = round % 2 == 0 ? 1 + r.nextInt(8) : 1 << (ItemIndex.FINGERPRINT_BITS - 1);
            long nextLocation = 1;
            for (int step = 0; step < 3000; step++) {
                if (present.isEmpty() || r.nextInt(3) != 0) {
                    int fp = r.nextBoolean() ? (1 << ItemIndex.FINGERPRINT_BITS) - 1 - r.nextInt(crowd) : r.nextInt(crowd);
                    long e = ItemIndex.entry(fp, nextLocation++);
                    assertThat(s.insert(e)).isTrue();
                    model.add(e);
                    present.add(e);
                } else {
                    long e = present.remove(r.nextInt(present.size()));
                    int slot = s.findEntry(e);
                    assertThat(slot).as("an entry in the model is found").isNotNegative();
                    s.remove(slot);
                    model.remove(e);
                }
                if (step % 50 == 0) {
                    for (long e : model) {
                        assertThat(s.findEntry(e)).isNotNegative();
                    }
                    assertThat(s.findEntry(ItemIndex.entry(0, nextLocation + 1))).isNegative();
                    assertThat(s.count).isEqualTo(model.size());
                    assertRobinHoodOrder(s.table);
                }
            }
            long held = 0;
            for (long e : s.table) {
                held += e != 0 ? 1 : 0;
            }
            assertThat(held).isEqualTo(model.size());
        }
    }

    private static void assertRobinHoodOrder(long[] t) {
        int n = t.length;
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            if (t[i] != 0 && t[j] != 0) {
                assertThat(distance(t[j], j, n)).as("slot %d of %d", j, n).isLessThanOrEqualTo(distance(t[i], i, n) + 1);
            } else if (t[i] == 0 && t[j] != 0) {
                assertThat(distance(t[j], j, n)).as("slot %d after an empty one is at its home", j).isZero();
            }
        }
    }

    private static int distance(long entry, int slot, int n) {
        int d = slot - ItemIndex.home(ItemIndex.fingerprintOf(entry), n);
        return d < 0 ? d + n : d;
    }
}
