package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The VALUE line's numbers are unsigned decimals, exact over the whole 64-bit range (a CAS may pass 2^63). */
class RepliesDecimalTest {

    @Test
    void writesEveryUnsignedValueAsLongToUnsignedStringDoes() {
        long[] edges = {0, 1, 9, 10, 11, 99, 100, 4294967295L, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -10L, -11L};
        for (long v : edges) {
            assertThat(written(v)).isEqualTo(Long.toUnsignedString(v));
        }
        Random r = new Random(5);
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong() >>> r.nextInt(64);
            if (r.nextBoolean()) {
                v = -v;
            }
            assertThat(written(v)).isEqualTo(Long.toUnsignedString(v));
        }
    }

    private static String written(long v) {
        byte[] b = new byte[30];
        b[0] = 'x';
        int end = Replies.decimal(b, 1, v);
        assertThat(b[0]).isEqualTo((byte) 'x');
        return new String(b, 1, end - 1, StandardCharsets.US_ASCII);
    }
}
