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
 * after every step each entry of the model is found and no other is.
 */
class ItemIndexTest {

    @Test
    void aStripeHoldsExactlyItsEntriesThroughGrowthWrapAndBackwardShift() {
        Random r = new Random(11);
        for (int round = 0; round < 20; round++) {
            ItemIndex.Stripe s = new ItemIndex.Stripe();
            Set<Long> model = new HashSet<>();
            List<Long> present = new ArrayList<>();
            int crowd = 1 + r.nextInt(8); // fingerprints from a few values only: long collision runs
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
                }
            }
            long held = 0;
            for (long e : s.table) {
                held += e != 0 ? 1 : 0;
            }
            assertThat(held).isEqualTo(model.size());
        }
    }
}
