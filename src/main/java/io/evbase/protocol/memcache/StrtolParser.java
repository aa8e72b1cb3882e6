package io.evbase.protocol.memcache;

/**
 * Number parsing with the exact semantics of memcached's {@code safe_strtoul}, {@code safe_strtol} and
 * {@code safe_strtoull} on a 64-bit Linux build, so that evbase accepts and rejects the same numeric tokens and
 * truncates them the same way (memcached parses flags and lengths as 64-bit longs, then stores them in 32 bits:
 * {@code set k 4294967296 0 1} stores flags 0, a length of {@code 4294967297} reads one byte).
 *
 * <p>A token is the byte range {@code [from, to)}; in memcached it is a NUL-terminated C string, so the end of the
 * range plays the part of the NUL. Leading C whitespace and a sign are accepted, as {@code strtoul} does; a token
 * whose digits are followed by whitespace is accepted too (the check is {@code isspace(*endptr)}).
 *
 * <p>Threading: an instance keeps the last parsed value in a field; each connection has its own. The static
 * helpers are pure.
 */
final class StrtolParser {

    /** The value of the last successful parse. */
    long value;

    /** The sign {@link #skipSpaceAndSign} passed over was a minus. */
    private boolean signNegative;

    static boolean isCSpace(int b) {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r';
    }

    /** {@code safe_strtoull}: an unsigned 64-bit value (kept in a signed long's bits). */
    boolean strtoull(byte[] s, int from, int to) {
        if (!strtoulRaw(s, from, to)) {
            return false;
        }
        if (value < 0 && contains(s, from, to, (byte) '-')) {
            return false; // "-1" would otherwise be 2^64-1
        }
        return true;
    }

    /** {@code safe_strtoul}: parsed as an unsigned long (64 bits), then stored in a uint32_t. */
    boolean strtoul32(byte[] s, int from, int to) {
        if (!strtoull(s, from, to)) {
            return false;
        }
        value = value & 0xffffffffL;
        return true;
    }

    /** {@code safe_strtol}: parsed as a signed long (64 bits), then stored in an int32_t. */
    boolean strtol32(byte[] s, int from, int to) {
        if (!strtolRaw(s, from, to)) {
            return false;
        }
        value = (int) value;
        return true;
    }

    /**
     * Skips what strtol(3) and strtoul(3) skip before the digits: C white space, then one sign ({@link
     * #signNegative} says which). The index of the first digit, if any.
     */
    private int skipSpaceAndSign(byte[] s, int from, int to) {
        int i = from;
        while (i < to && isCSpace(s[i])) {
            i++;
        }
        signNegative = i < to && s[i] == '-';
        if (i < to && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        return i;
    }

    /** strtoul(3), base 10, on a 64-bit unsigned long, plus the end-pointer check of memcached's safe_ wrappers. */
    private boolean strtoulRaw(byte[] s, int from, int to) {
        int i = skipSpaceAndSign(s, from, to);
        boolean negative = signNegative;
        int digitsStart = i;
        long v = 0;
        boolean overflow = false;
        while (i < to && s[i] >= '0' && s[i] <= '9') {
            int d = s[i] - '0';
            // v * 10 + d > 2^64 - 1 ?
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, 10)) > 0
                    || (v == Long.divideUnsigned(-1L, 10) && d > Long.remainderUnsigned(-1L, 10))) {
                overflow = true;
            }
            v = v * 10 + d;
            i++;
        }
        if (i == digitsStart || overflow) {
            return false; // no conversion (endptr == str) or ERANGE
        }
        if (i < to && !isCSpace(s[i])) {
            return false;
        }
        value = negative ? -v : v;
        return true;
    }

    /** strtol(3), base 10, on a 64-bit long, plus the end-pointer check. */
    private boolean strtolRaw(byte[] s, int from, int to) {
        int i = skipSpaceAndSign(s, from, to);
        boolean negative = signNegative;
        int digitsStart = i;
        long v = 0; // accumulated as a negative number so that Long.MIN_VALUE fits
        boolean overflow = false;
        while (i < to && s[i] >= '0' && s[i] <= '9') {
            int d = s[i] - '0';
            if (v < (Long.MIN_VALUE + d) / 10) {
                overflow = true;
            } else {
                v = v * 10 - d;
            }
            i++;
        }
        if (i == digitsStart) {
            return false;
        }
        if (!negative && v == Long.MIN_VALUE) {
            overflow = true;
        }
        if (overflow) {
            return false;
        }
        if (i < to && !isCSpace(s[i])) {
            return false;
        }
        value = negative ? v : -v;
        return true;
    }

    private static boolean contains(byte[] s, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (s[i] == b) {
                return true;
            }
        }
        return false;
    }
}
