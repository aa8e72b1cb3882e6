package io.evbase.protocol.memcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** memcached's incr/decr rules on items built by hand, without a store. */
class IncrDecrTest {

    private final AtomicLong casIds = new AtomicLong(100);

    private static Item item(String value, int flags, long cas, int bits) {
        byte[] data = (value + "\r\n").getBytes(StandardCharsets.US_ASCII);
        return new Item("k".getBytes(StandardCharsets.US_ASCII), data, flags, 50, cas, bits, 1);
    }

    private static String value(Item it) {
        byte[] d = it.data();
        return new String(d, 0, d.length - 2, StandardCharsets.US_ASCII);
    }

    @Test
    void aShorterResultKeepsTheLengthSpacePadded() {
        IncrDecr.Outcome o = IncrDecr.apply(item("10", 7, 1, Item.KEY_BINARY), 9, false, 1, 0, casIds);
        assertEquals(IncrDecr.Status.OK, o.status());
        assertEquals(9, o.value());
        assertEquals("9 ", value(o.item()));
        assertEquals(7, o.item().flags);
        assertEquals(50, o.item().exptime);
        assertEquals(101, o.item().cas);
        assertEquals(9, o.item().time);
        assertEquals(Item.KEY_BINARY, o.item().bits);
    }

    @Test
    void aLongerResultGrowsAndDropsTheBits() {
        IncrDecr.Outcome o = IncrDecr.apply(item("99", 0, 1, Item.KEY_BINARY), 9, true, 1, 0, casIds);
        assertEquals("100", value(o.item()));
        assertEquals(0, o.item().bits);
    }

    @Test
    void incrWrapsAndDecrStopsAtZero() {
        assertEquals(0, IncrDecr.apply(item("18446744073709551615", 0, 1, 0), 0, true, 1, 0, casIds).value());
        assertEquals(0, IncrDecr.apply(item("3", 0, 1, 0), 0, false, 5, 0, casIds).value());
        assertEquals("18446744073709551615",
                Long.toUnsignedString(IncrDecr.apply(item("0", 0, 1, 0), 0, true, -1, 0, casIds).value()));
    }

    @Test
    void failuresTakeNoCas() {
        assertEquals(IncrDecr.Status.NOT_FOUND, IncrDecr.apply(null, 0, true, 1, 0, casIds).status());
        IncrDecr.Outcome text = IncrDecr.apply(item("abc", 0, 1, 0), 0, true, 1, 0, casIds);
        assertEquals(IncrDecr.Status.NON_NUMERIC, text.status());
        assertNull(text.item());
        assertEquals(IncrDecr.Status.NON_NUMERIC, IncrDecr.apply(item("", 0, 1, 0), 0, true, 1, 0, casIds).status());
        assertEquals(IncrDecr.Status.NON_NUMERIC, IncrDecr.apply(item("-1", 0, 1, 0), 0, true, 1, 0, casIds).status());
        assertEquals(IncrDecr.Status.CAS_MISMATCH, IncrDecr.apply(item("1", 0, 5, 0), 0, true, 1, 6, casIds).status());
        assertEquals(100, casIds.get());
        assertEquals(IncrDecr.Status.OK, IncrDecr.apply(item("1", 0, 5, 0), 0, true, 1, 5, casIds).status());
        assertEquals(101, casIds.get());
    }
}
