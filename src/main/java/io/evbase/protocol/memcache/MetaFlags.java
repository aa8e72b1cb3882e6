package io.evbase.protocol.memcache;

/**
 * The flags of one meta command ({@code mg}, {@code ms}, {@code md}, {@code ma}), pre-parsed as memcached's
 * {@code _meta_flag_preparse} does: each token after the key (and after the length for {@code ms}) is one flag,
 * named by its first character, with its argument following. A repeated flag or an unknown one ends parsing with
 * an error; a bad argument marks an error but parsing goes on (so the last such message wins, as in memcached).
 * The {@code b} flag decodes the key from base64 here.
 *
 * <p>Threading: one instance per command, on the connection's loop thread.
 */
final class MetaFlags {

    /** memcached's MFLAG_MAX_OPT_LENGTH: a meta command has fewer tokens than this. */
    static final int MAX_TOKENS = 20;
    /** memcached's MFLAG_MAX_OPAQUE_LENGTH. */
    static final int MAX_OPAQUE_LENGTH = 32;

    boolean hasError;
    boolean noUpdate;
    boolean locked;
    boolean vivify;
    boolean la;
    boolean value;
    boolean setStale;
    boolean noReply;
    boolean hasCas;
    boolean newTtl;
    boolean keyBinary;
    char mode;
    long exptime;
    long autovivExptime;
    long recacheTime;
    int clientFlags;
    long reqCas;
    long delta = 1;
    long initial;
    String errstr;
    /** The key, decoded if {@code b} was given. */
    byte[] key;

    /**
     * Parses tokens {@code first} to the last one.
     *
     * @param defaultError the message for errors that name none (the command's generic one)
     * @return false on an error, whose message is in {@link #errstr}
     */
    boolean parse(byte[] line, Tokenizer tok, int first, MemcacheStore store, StrtolParser num, String defaultError) {
        errstr = defaultError;
        key = java.util.Arrays.copyOfRange(line, tok.start[1], tok.end(1));
        boolean[] seen = new boolean[127];
        for (int i = first; tok.length[i] != 0; i++) {
            int s = tok.start[i];
            int e = tok.end(i);
            int o = line[s] & 0xff;
            if (o >= 127 || seen[o]) {
                errstr = "CLIENT_ERROR duplicate flag";
                return false;
            }
            seen[o] = true;
            switch (o) {
                case 'b' -> {
                    byte[] decoded = Base64Keys.decode(line, tok.start[1], tok.length[1]);
                    if (decoded == null) {
                        errstr = "CLIENT_ERROR error decoding key";
                        hasError = true;
                        key = new byte[0];
                    } else {
                        key = decoded;
                    }
                    keyBinary = true;
                }
                case 'N' -> {
                    locked = true;
                    vivify = true;
                    if (!num.strtol32(line, s + 1, e)) {
                        errstr = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    } else {
                        autovivExptime = store.realtime(num.value);
                    }
                }
                case 'T' -> {
                    locked = true;
                    if (!num.strtol32(line, s + 1, e)) {
                        errstr = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    } else {
                        exptime = store.realtime(num.value);
                        newTtl = true;
                    }
                }
                case 'R' -> {
                    locked = true;
                    if (!num.strtol32(line, s + 1, e)) {
                        errstr = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    } else {
                        recacheTime = store.realtime(num.value);
                    }
                }
                case 'l' -> {
                    la = true;
                    locked = true;
                }
                case 'O', 'P', 'L', 'k', 's', 't', 'c', 'f' -> {
                    // known; handled when the reply is built
                }
                case 'v' -> value = true;
                case 'h' -> locked = true;
                case 'u' -> noUpdate = true;
                case 'q' -> noReply = true;
                case 'F' -> {
                    if (!num.strtoul32(line, s + 1, e)) {
                        hasError = true;
                    } else {
                        clientFlags = (int) num.value;
                    }
                }
                case 'C' -> {
                    if (!num.strtoull(line, s + 1, e)) {
                        errstr = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    } else {
                        reqCas = num.value;
                        hasCas = true;
                    }
                }
                case 'M' -> {
                    if (e - s != 2) {
                        errstr = "CLIENT_ERROR incorrect length for M token";
                        hasError = true;
                    } else {
                        mode = (char) (line[s + 1] & 0xff);
                    }
                }
                case 'J' -> {
                    if (!num.strtoull(line, s + 1, e)) {
                        errstr = "CLIENT_ERROR invalid numeric initial value";
                        hasError = true;
                    } else {
                        initial = num.value;
                    }
                }
                case 'D' -> {
                    if (!num.strtoull(line, s + 1, e)) {
                        errstr = "CLIENT_ERROR invalid numeric delta value";
                        hasError = true;
                    } else {
                        delta = num.value;
                    }
                }
                case 'I' -> setStale = true;
                default -> {
                    errstr = "CLIENT_ERROR invalid flag";
                    return false;
                }
            }
        }
        return !hasError;
    }
}
