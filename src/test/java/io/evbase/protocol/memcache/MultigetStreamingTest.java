package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A multiget's reply is produced as the output drains: with the output over its high watermark the processor stops
 * after a hit and goes on with the next key on the next call, so one line naming a large value many times holds
 * the watermark plus one value, and the reply read in pieces is the same bytes as the reply produced at once.
 */
class MultigetStreamingTest {

    private static final int VALUE = 100_000;
    private static final long WATERMARK = 64 * 1024;

    private static ParserHarness withBigValue(MemcacheStore store) {
        ParserHarness h = new ParserHarness(store);
        byte[] v = new byte[VALUE];
        for (int i = 0; i < VALUE; i++) {
            v[i] = (byte) ('a' + i % 26);
        }
        h.feed("set big 7 0 " + VALUE + "\r\n" + new String(v, StandardCharsets.ISO_8859_1) + "\r\nset small 0 0 1\r\nx\r\n");
        assertThat(h.output()).isEqualTo("STORED\r\nSTORED\r\n");
        return h;
    }

    /** Feeds {@code request}, then reads the output and calls again until the parser waits for input. */
    private static String drainInSteps(ParserHarness h, String request, int[] steps, long[] peak) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        h.highWatermark = WATERMARK;
        RequestParser.Result r = h.feed(request);
        while (true) {
            peak[0] = Math.max(peak[0], h.out.readableBytes());
            byte[] chunk = h.output().getBytes(StandardCharsets.ISO_8859_1);
            all.write(chunk, 0, chunk.length);
            if (r != RequestParser.Result.PAUSED) {
                break;
            }
            steps[0]++;
            r = h.feed(new byte[0]);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private static String atOnce(String request) {
        ParserHarness h = withBigValue(new MemcacheStore(64L << 20, 1 << 20, new ManualClock()));
        h.feed(request);
        return h.output();
    }

    @Test
    void everyRetrievalCommandStreamsItsReply() {
        for (String cmd : new String[] {"get", "gets", "gat 0", "gats 0", "bget"}) {
            StringBuilder line = new StringBuilder(cmd);
            for (int i = 0; i < 300; i++) {
                line.append(i % 3 == 1 ? " nokey" : i % 3 == 2 ? " small" : " big");
            }
            String request = line + "\r\nmn\r\n";
            ParserHarness h = withBigValue(new MemcacheStore(64L << 20, 1 << 20, new ManualClock()));
            int[] steps = {0};
            long[] peak = {0};
            String streamed = drainInSteps(h, request, steps, peak);
            assertThat(streamed).as(cmd).isEqualTo(atOnce(request));
            assertThat(streamed).as(cmd).endsWith("END\r\nMN\r\n");
            assertThat(steps[0]).as(cmd + ": steps").isGreaterThanOrEqualTo(99);
            assertThat(peak[0]).as(cmd + ": output held at most the watermark plus one value")
                    .isLessThanOrEqualTo(WATERMARK + VALUE + 200);
        }
    }

    @Test
    void aPipelineOfMetaGetsStopsAtTheWatermarkToo() {
        String request = "mg big v f\r\n".repeat(200) + "mn\r\n";
        ParserHarness h = withBigValue(new MemcacheStore(64L << 20, 1 << 20, new ManualClock()));
        int[] steps = {0};
        long[] peak = {0};
        String streamed = drainInSteps(h, request, steps, peak);
        assertThat(streamed).isEqualTo(atOnce(request)).endsWith("MN\r\n");
        assertThat(peak[0]).isLessThanOrEqualTo(WATERMARK + VALUE + 200);
    }

    @Test
    void aKeyTooLongDropsTheValuesOfItsLineOnly() {
        ParserHarness h = withBigValue(new MemcacheStore(64L << 20, 1 << 20, new ManualClock()));
        h.highWatermark = WATERMARK;
        h.feed("get small big " + "k".repeat(251) + " small\r\nget small\r\n");
        assertThat(h.output()).isEqualTo("CLIENT_ERROR bad command line format\r\nVALUE small 0 1\r\nx\r\nEND\r\n");
        assertThat(h.processor.stats.getHits.sum()).as("the keys before the bad one were looked up").isEqualTo(3);
    }

    @Test
    void largeValuesAreReferencedOncePerArrayWithinTheStoresBudget() {
        MemcacheStore store = new MemcacheStore(8L << 20, 1 << 20, new ManualClock()); // references: 2 MB at most
        ParserHarness h = withBigValue(store);
        ParserHarness other = new ParserHarness(store);
        long value = VALUE + 2;
        long bigArray = ItemLayout.size("big".length(), VALUE); // a value this large has an array of its own
        h.feed("get" + " big".repeat(30) + "\r\n");
        other.feed("get big big\r\n");
        assertThat(store.referencedBytes()).as("one array, however many replies refer to it").isEqualTo(bigArray);
        assertThat(h.pool.inUseBytes() + other.pool.inUseBytes()).as("nothing copied").isLessThan(4096);
        // distinct arrays: references up to a quarter of the limit, then copies
        ParserHarness many = new ParserHarness(store);
        StringBuilder keys = new StringBuilder("get");
        long referable = 0;
        int referenced = 0;
        for (int i = 0; i < 30; i++) {
            many.feed("set v" + i + " 0 0 " + VALUE + "\r\n" + "x".repeat(VALUE) + "\r\n");
            keys.append(" v").append(i);
            long array = ItemLayout.size(("v" + i).length(), VALUE);
            if (bigArray + referable + array <= 2L << 20) {
                referable += array;
                referenced++;
            }
        }
        many.output();
        many.feed(keys + "\r\n");
        assertThat(store.referencedBytes()).isEqualTo(bigArray + referable);
        assertThat(many.pool.inUseBytes()).as("the rest copied into pooled memory")
                .isGreaterThanOrEqualTo((30 - referenced) * value);
        // given back as the output is taken, or when the connection closes
        assertThat(h.output()).hasSize((int) (30 * (("VALUE big 7 " + VALUE + "\r\n").length() + value) + 5));
        assertThat(h.processor.syncReferences()).isZero();
        assertThat(store.referencedBytes()).as("the other reply still refers to big").isGreaterThanOrEqualTo(bigArray);
        other.processor.close();
        many.output();
        assertThat(many.processor.syncReferences()).isZero();
        assertThat(store.referencedBytes()).isZero();
    }

    @Test
    void manyMissesNeedNoOutputRoom() {
        ParserHarness h = withBigValue(new MemcacheStore(64L << 20, 1 << 20, new ManualClock()));
        h.highWatermark = 0; // as unwritable as it gets once anything is written
        assertThat(h.feed("get" + " miss".repeat(2000) + " big small\r\n")).isEqualTo(RequestParser.Result.PAUSED);
        String first = h.output();
        assertThat(first).startsWith("VALUE big 7 " + VALUE + "\r\n").hasSize(("VALUE big 7 " + VALUE + "\r\n").length() + VALUE + 2);
        assertThat(h.feed(new byte[0])).isEqualTo(RequestParser.Result.PAUSED);
        assertThat(h.output()).isEqualTo("VALUE small 0 1\r\nx\r\n");
        assertThat(h.feed(new byte[0])).isEqualTo(RequestParser.Result.NEED_MORE);
        assertThat(h.output()).isEqualTo("END\r\n");
    }
}
