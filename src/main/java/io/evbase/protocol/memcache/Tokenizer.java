package io.evbase.protocol.memcache;

/**
 * Splits a command line into tokens exactly as memcached's {@code tokenize_command} does: on single spaces only
 * (a tab is part of a token), at most {@link #MAX_TOKENS} - 1 tokens, the rest of the line left unsplit for the
 * caller (only {@code get}-type commands go on with it). The count includes memcached's terminal token, so the
 * {@code ntokens} checks of {@code proto_text.c} port over unchanged: {@code "set k 0 0 1"} has 6.
 *
 * <p>Threading: an instance is reused for every line of one connection; not thread-safe.
 */
final class Tokenizer {

    /** memcached's MAX_TOKENS. */
    static final int MAX_TOKENS = 24;

    final int[] start = new int[MAX_TOKENS];
    final int[] length = new int[MAX_TOKENS];
    /** Tokens found, plus one for the terminal token. */
    int ntokens;
    /** Where the unsplit rest of the line begins, or -1 if the whole line was split (the terminal token's NULL). */
    int rest;

    /** Tokenizes {@code buf[from, to)} (the line, without its terminator and cut at its first NUL). */
    int tokenize(byte[] buf, int from, int to) {
        int n = 0;
        int s = from;
        int e = from;
        for (; e < to; e++) {
            if (buf[e] == ' ') {
                if (s != e) {
                    start[n] = s;
                    length[n] = e - s;
                    n++;
                    if (n == MAX_TOKENS - 1) {
                        e++;
                        s = e;
                        break;
                    }
                }
                s = e + 1;
            }
        }
        if (s != e) {
            start[n] = s;
            length[n] = e - s;
            n++;
        }
        start[n] = e;
        length[n] = 0;
        rest = e < to ? e : -1;
        ntokens = n + 1;
        return ntokens;
    }

    int end(int i) {
        return start[i] + length[i];
    }

    /** True if token {@code i} is exactly {@code text}. */
    boolean is(byte[] buf, int i, String text) {
        if (length[i] != text.length()) {
            return false;
        }
        int s = start[i];
        for (int k = 0; k < text.length(); k++) {
            if (buf[s + k] != text.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** True if token {@code i} starts with {@code prefix} (memcached's strncmp on the token). */
    boolean startsWith(byte[] buf, int i, String prefix) {
        if (length[i] < prefix.length()) {
            return false;
        }
        int s = start[i];
        for (int k = 0; k < prefix.length(); k++) {
            if (buf[s + k] != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
