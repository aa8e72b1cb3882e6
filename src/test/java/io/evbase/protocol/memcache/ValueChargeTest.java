package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A declared value is charged to the store's memory budget when its command line is parsed, before its array is
 * allocated, and given back when it completes, is refused or its connection closes; values in flight hold at most
 * half of the limit, and the cache evicts to make room for them.
 */
class ValueChargeTest {

    private static final int VALUE = 1_048_000;
    private static final String OOM = "SERVER_ERROR out of memory storing object\r\n";

    private static long weight(String key) {
        return MemcacheStore.weight(key.length(), VALUE + 2);
    }

    @Test
    void declaredValuesAreChargedUntilTheirShareIsTakenThenRefusedAndSwallowed() {
        MemcacheStore store = new MemcacheStore(64L << 20, 1 << 20);
        List<ParserHarness> pending = new ArrayList<>();
        int accepted = 0;
        String reply = "";
        for (int i = 0; i < 40 && reply.isEmpty(); i++) {
            ParserHarness h = new ParserHarness(store);
            h.feed(i % 2 == 0 ? "set k" + (i % 10) + " 0 0 " + VALUE + "\r\n" : "ms k" + (i % 10) + " " + VALUE + " T0\r\n");
            reply = h.output();
            if (reply.isEmpty()) {
                accepted++;
                pending.add(h);
                assertThat(h.parser.isReadingValue()).isTrue();
                assertThat(store.inFlightBytes()).isEqualTo(accepted * weight("k0"));
            } else {
                assertThat(reply).isEqualTo(OOM);
                assertThat(h.parser.isSwallowing()).isTrue();
                // the refused value's bytes are read and dropped, then the connection goes on
                h.feed(new byte[VALUE + 2]);
                h.feed("mn\r\n");
                assertThat(h.output()).isEqualTo("MN\r\n");
            }
        }
        assertThat(accepted).as("values in flight take at most half of the 64 MB limit")
                .isEqualTo((int) ((64L << 20) / 2 / weight("k0")));
        assertThat(store.stats().storeNoMemory.sum()).isEqualTo(1);
        assertThat(store.inFlightBytes()).isEqualTo(accepted * weight("k0"));
        assertThat(store.bytesUsed() + store.inFlightBytes()).isLessThanOrEqualTo(64L << 20);

        // completed: stored, charge given back
        ParserHarness first = pending.remove(0);
        first.feed(value('a'));
        assertThat(first.output()).isEqualTo("STORED\r\n");
        // a bad data chunk: refused, charge given back
        ParserHarness second = pending.remove(0);
        byte[] bad = value('b');
        bad[VALUE] = 'x';
        second.feed(bad);
        assertThat(second.output()).startsWith("CLIENT_ERROR bad data chunk");
        assertThat(store.inFlightBytes()).isEqualTo(pending.size() * weight("k0"));
        // the connection closes in the middle of the value
        ParserHarness third = pending.remove(0);
        third.feed(new byte[1000]);
        third.processor.close();
        assertThat(store.inFlightBytes()).isEqualTo(pending.size() * weight("k0"));
        for (ParserHarness h : pending) {
            h.processor.close();
        }
        assertThat(store.inFlightBytes()).isZero();
        ParserHarness after = new ParserHarness(store);
        after.feed("set again 0 0 " + VALUE + "\r\n");
        after.feed(value('c'));
        assertThat(after.output()).isEqualTo("STORED\r\n");
    }

    @Test
    void everyStorageCommandIsCharged() {
        MemcacheStore store = new MemcacheStore(64L << 20, 1 << 20);
        String[] lines = {"set a 0 0 1000", "add b 0 0 1000", "replace c 0 0 1000", "append d 0 0 1000",
            "prepend e 0 0 1000", "cas f 0 0 1000 1", "ms g 1000", "ms h 1000 MA"};
        for (String line : lines) {
            ParserHarness h = new ParserHarness(store);
            h.feed(line + "\r\n");
            assertThat(h.output()).as(line).isEmpty();
            assertThat(store.inFlightBytes()).as(line).isEqualTo(MemcacheStore.weight(1, 1002));
            h.feed("x".repeat(1000) + "\r\n");
            assertThat(store.inFlightBytes()).as(line + " done").isZero();
        }
    }

    @Test
    void aShortValueWholeInTheInputIsStoredWithoutACharge() {
        MemcacheStore store = new MemcacheStore(64L << 20, 1 << 20);
        int small = RequestParser.VALUE_SCRATCH - 2;
        // declared values take the whole share for values in flight, to the last small one
        List<ParserHarness> holding = new ArrayList<>();
        for (int size : new int[] {VALUE, small}) {
            String reply = "";
            for (int i = 0; reply.isEmpty(); i++) {
                ParserHarness h = new ParserHarness(store);
                h.feed("set hold" + size + "-" + i + " 0 0 " + size + "\r\n");
                reply = h.output();
                holding.add(h);
            }
            assertThat(reply).isEqualTo(OOM);
        }
        long held = store.inFlightBytes();
        String data = "d".repeat(small);
        // a short set whose data block arrives with its line needs no array, so no share: it is stored
        ParserHarness whole = new ParserHarness(store);
        whole.feed("set whole 0 0 " + small + "\r\n" + data + "\r\nget whole\r\n");
        assertThat(whole.output()).isEqualTo("STORED\r\nVALUE whole 0 " + small + "\r\n" + data + "\r\nEND\r\n");
        assertThat(store.inFlightBytes()).isEqualTo(held);
        // the same set split after its line would need an array of its own: refused while the share is taken
        ParserHarness split = new ParserHarness(store);
        split.feed("set split 0 0 " + small + "\r\n");
        assertThat(split.output()).isEqualTo(OOM);
        for (ParserHarness h : holding) {
            h.processor.close();
        }
        assertThat(store.inFlightBytes()).isZero();
    }

    @Test
    void theCacheEvictsToMakeRoomForValuesInFlight() {
        long limit = 8L << 20;
        MemcacheStore store = new MemcacheStore(limit, 1 << 20);
        ParserHarness filler = new ParserHarness(store);
        for (int i = 0; i < 200; i++) {
            filler.feed("set f" + i + " 0 0 65536\r\n" + "v".repeat(65536) + "\r\n");
        }
        filler.output();
        assertThat(store.bytesUsed()).isGreaterThan(limit - (512 << 10));
        List<ParserHarness> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ParserHarness h = new ParserHarness(store);
            h.feed("set big" + i + " 0 0 " + VALUE + "\r\n");
            assertThat(h.output()).isEmpty();
            senders.add(h);
            assertThat(store.bytesUsed() + store.inFlightBytes()).as("items and values in flight, %d", i)
                    .isLessThanOrEqualTo(limit);
        }
        for (ParserHarness h : senders) {
            h.feed(value('z'));
            assertThat(h.output()).isEqualTo("STORED\r\n");
        }
        assertThat(store.inFlightBytes()).isZero();
        assertThat(store.bytesUsed()).isLessThanOrEqualTo(limit);
    }

    @Test
    void theCarveFollowsTheChargesInQuanta() {
        long limit = 64L << 20;
        long quantum = limit / 64;
        List<Long> applied = new ArrayList<>();
        InFlightValues v = new InFlightValues(() -> limit, applied::add);
        assertThat(v.charge(100)).isTrue();
        assertThat(v.carved()).isEqualTo(quantum);
        v.release(100);
        assertThat(v.carved()).as("small traffic keeps one quantum, no resize per command").isEqualTo(quantum);
        assertThat(v.charge(5 * quantum)).isTrue();
        assertThat(v.carved()).isEqualTo(5 * quantum);
        v.release(5 * quantum);
        assertThat(v.carved()).as("shrinks once four quanta are unused").isZero();
        assertThat(applied).containsExactly(quantum, 5 * quantum, 0L);
        assertThat(v.charge(limit / 2)).isTrue();
        assertThat(v.charge(1)).as("half of the limit at most").isFalse();
        assertThat(v.charged()).isEqualTo(limit / 2);
    }

    @Test
    void cacheMemlimitBeyondWhatTheHeapHoldsChangesNothing() {
        MemcacheStore store = new MemcacheStore(64L << 20, 1 << 20);
        ParserHarness h = new ParserHarness(store);
        long allowedMb = MemcacheStore.maxMemoryLimit(Runtime.getRuntime().maxMemory()) >> 20;
        h.feed("cache_memlimit " + (allowedMb + 1) + "\r\ncache_memlimit 100000\r\ncache_memlimit " + allowedMb
                + " noreply\r\nmn\r\n");
        assertThat(h.output()).isEqualTo("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n"
                + "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\nMN\r\n");
        assertThat(store.memoryLimit()).isEqualTo(allowedMb << 20);
        assertThat(new MemcacheSettings(allowedMb << 20, 1 << 20, 1 << 16).checkHeap(Runtime.getRuntime().maxMemory()))
                .isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MemcacheSettings((allowedMb + 1) << 20, 1 << 20,
                1 << 16).checkHeap(Runtime.getRuntime().maxMemory()))
                .isInstanceOf(MemoryLimitExceedsHeapException.class)
                .hasMessageContaining("exceeds half of the maximum heap");
    }

    private static byte[] value(char fill) {
        byte[] b = new byte[VALUE + 2];
        java.util.Arrays.fill(b, (byte) fill);
        b[VALUE] = '\r';
        b[VALUE + 1] = '\n';
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
