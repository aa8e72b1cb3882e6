package io.evbase.protocol.memcache;

import java.nio.charset.StandardCharsets;

/**
 * The meta commands of memcached 1.6.18: {@code mg}, {@code ms}, {@code md}, {@code ma} and {@code me}
 * ({@code mn} is a one-liner in {@link CommandProcessor}). Ports of {@code process_mget_command} and its siblings:
 * same validation order, same error strings, flags echoed in the order given, {@code q} hiding only the nominal
 * reply ({@code EN} for mg, {@code HD} for ms, md and ma).
 *
 * <p>Flags with side effects on the item ({@code T}, {@code N}, {@code R}, the stale and win-token bits) are
 * applied inside the store's per-key {@code compute}, so that, as under memcached's item lock, only one client wins
 * a recache token. They take effect in token order, as in memcached: {@code mg k t T30} reports the TTL before the
 * update, {@code mg k T30 t} the one after.
 *
 * <p>Threading: one instance per connection (it belongs to a {@link CommandProcessor}), on its loop thread.
 */
final class MetaCommands {

    private static final String BAD_FORMAT = CommandProcessor.BAD_FORMAT;

    private final CommandProcessor cp;

    MetaCommands(CommandProcessor cp) {
        this.cp = cp;
    }

    private Tokenizer tok() {
        return cp.tok;
    }

    // ---------------------------------------------------------------- mg

    /** What a meta get decided under the item's lock. */
    private static final class GetState {
        Item item;
        boolean created;
        boolean won;
        boolean tokenWasSent;
        boolean stale;
        boolean ttlSet;
        boolean fetchedBefore;
        long timeBefore;
        /** Expiry in force when each token is reached, for {@code t}. */
        long[] expAt;
        /** Index of the first over-long opaque, or -1. */
        int badOpaque = -1;
    }

    void get(byte[] line, int ntokens) {
        Tokenizer tok = tok();
        if (ntokens < 3) {
            cp.outString("ERROR");
            return;
        }
        if (tok.length[1] > CommandProcessor.KEY_MAX_LENGTH) {
            cp.outErrString(BAD_FORMAT);
            return;
        }
        if (ntokens > MetaFlags.MAX_TOKENS) {
            cp.outErrString("CLIENT_ERROR options flags are too long");
            return;
        }
        MetaFlags of = new MetaFlags();
        if (!of.parse(line, tok, 2, cp.store, cp.num, BAD_FORMAT)) {
            cp.outErrString(of.errstr);
            return;
        }
        cp.noreply = of.noReply;
        ItemKey key = new ItemKey(of.key);
        int last = ntokens - 1; // tokens [2, last) are flags
        int badOpaque = -1;
        for (int i = 2; i < last; i++) {
            if (line[tok.start[i]] == 'O' && tok.length[i] > MetaFlags.MAX_OPAQUE_LENGTH) {
                badOpaque = i;
                break;
            }
        }
        GetState st = new GetState();
        st.badOpaque = badOpaque;
        Item peek = of.locked ? null : cp.store.get(key, !of.noUpdate);
        if (of.locked || (peek != null && peek.isStale())) {
            lockedGet(line, ntokens, of, key, st);
        } else if (peek != null) {
            st.item = peek;
            st.tokenWasSent = peek.tokenSent();
        }
        Item it = st.item;
        if (badOpaque >= 0) {
            cp.outErrString("CLIENT_ERROR opaque token too long"); // memcached counts nothing on this path
            return;
        }
        if (it != null) {
            if (st.ttlSet) {
                cp.stats.cmdTouch.increment();
                cp.stats.touchHits.increment();
            } else {
                cp.stats.getHits.increment();
                cp.stats.cmdGet.increment();
            }
        } else if (st.ttlSet) {
            cp.stats.cmdTouch.increment();
            cp.stats.touchMisses.increment();
        } else {
            cp.stats.getMisses.increment();
            cp.stats.cmdGet.increment();
        }
        StringBuilder sb = new StringBuilder(64);
        long now = cp.store.now();
        if (it == null) {
            if (cp.noreply) {
                return;
            }
            sb.append("EN");
            for (int i = 2; i < last; i++) {
                switch (line[tok.start[i]]) {
                    case 'O' -> sb.append(' ').append(ascii(line, tok.start[i], tok.length[i]));
                    case 'k' -> appendKey(sb, of.key, of.keyBinary);
                    default -> { }
                }
            }
            cp.out.writeAscii(sb.append("\r\n"));
            return;
        }
        if (of.value) {
            sb.append("VA ").append(it.valueLength());
        } else {
            sb.append("HD");
        }
        for (int i = 2; i < last; i++) {
            switch (line[tok.start[i]]) {
                case 's' -> sb.append(" s").append(it.valueLength());
                case 't' -> {
                    long exp = st.expAt != null ? st.expAt[i] : it.exptime;
                    sb.append(" t");
                    if (exp == 0) {
                        sb.append("-1");
                    } else {
                        sb.append((exp - now) & 0xffffffffL); // itoa_u32
                    }
                }
                case 'c' -> sb.append(" c").append(Long.toUnsignedString(it.cas));
                case 'f' -> sb.append(" f").append(Integer.toUnsignedString(it.flags));
                case 'l' -> sb.append(" l").append((now - st.timeBefore) & 0xffffffffL);
                case 'h' -> sb.append(" h").append(st.fetchedBefore ? '1' : '0');
                case 'O' -> sb.append(' ').append(ascii(line, tok.start[i], tok.length[i]));
                case 'k' -> appendKey(sb, it.key.bytes, it.keyBinary());
                default -> { }
            }
        }
        if (st.tokenWasSent) {
            sb.append(" Z");
        }
        if (st.stale) {
            sb.append(" X");
        }
        if (st.won) {
            sb.append(" W");
        }
        cp.out.writeAscii(sb.append("\r\n"));
        if (of.value) {
            cp.writeValue(it.data);
        }
    }

    /** The part of mg that memcached runs under the item lock: vivify, TTL, recache and win-token decisions. */
    private void lockedGet(byte[] line, int ntokens, MetaFlags of, ItemKey key, GetState st) {
        Tokenizer tok = tok();
        MemcacheStore store = cp.store;
        int last = ntokens - 1;
        int walkEnd = st.badOpaque >= 0 ? st.badOpaque : last;
        store.compute(key, (old, now) -> {
            st.item = null;
            st.created = false;
            st.won = false;
            st.ttlSet = false;
            Item it = old;
            if (it == null && of.vivify) {
                byte[] empty = {'\r', '\n'};
                it = new Item(key, empty, 0, 0, store.nextCas(), 0, now);
                store.stats().totalItems.increment();
                st.created = true;
            }
            if (it == null) {
                return null;
            }
            st.fetchedBefore = it.fetched;
            st.timeBefore = it.time;
            long exp = it.exptime;
            st.expAt = new long[ntokens];
            for (int i = 2; i < walkEnd; i++) {
                switch (line[tok.start[i]]) {
                    case 'T' -> {
                        st.ttlSet = true;
                        exp = of.exptime;
                    }
                    case 'N' -> {
                        if (st.created) {
                            exp = of.autovivExptime;
                            st.won = true;
                        }
                    }
                    case 'R' -> {
                        if (!it.tokenSent() && !st.created && exp != 0 && exp < of.recacheTime) {
                            st.won = true;
                        }
                    }
                    default -> { }
                }
                st.expAt[i] = exp;
            }
            int bits = it.bits;
            if (st.badOpaque < 0) {
                st.tokenWasSent = it.tokenSent();
                st.stale = it.isStale();
                if (st.stale && !it.tokenSent()) {
                    st.won = true;
                }
                if (st.won) {
                    bits |= Item.TOKEN_SENT;
                }
            } else {
                st.won = false;
            }
            Item result = exp != it.exptime || bits != it.bits ? it.copy(it.data, it.flags, exp, it.cas, bits) : it;
            if (!of.noUpdate) {
                store.bump(result, now);
            }
            st.item = result;
            return result;
        });
    }

    // ---------------------------------------------------------------- ms

    /** The reply an {@code ms} builds once its data block is stored: the flags to echo, in order. */
    record PendingMeta(String[] parts, boolean keyBinary) {
        // parts: "O..." opaque tokens verbatim, "k" or "c", in the order given
    }

    void set(byte[] line, int ntokens) {
        Tokenizer tok = tok();
        if (ntokens < 3) {
            cp.outString("ERROR");
            return;
        }
        if (tok.length[1] > CommandProcessor.KEY_MAX_LENGTH || ntokens == 3) {
            cp.outErrString(BAD_FORMAT);
            return;
        }
        if (ntokens > MetaFlags.MAX_TOKENS) {
            cp.outErrString("CLIENT_ERROR options flags too long");
            return;
        }
        if (!cp.num.strtol32(line, tok.start[2], tok.end(2))) {
            cp.outErrString(BAD_FORMAT);
            return;
        }
        long vlen = cp.num.value;
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
            cp.outErrString(BAD_FORMAT);
            return;
        }
        vlen += 2;
        MetaFlags of = new MetaFlags();
        if (!of.parse(line, tok, 3, cp.store, cp.num, BAD_FORMAT)) {
            swallowWith(of.errstr, vlen);
            return;
        }
        cp.noreply = of.noReply;
        String errstr = null;
        int last = ntokens - 1;
        java.util.List<String> parts = new java.util.ArrayList<>(4);
        for (int i = 2; i < last; i++) {
            switch (line[tok.start[i]]) {
                case 'O' -> {
                    if (tok.length[i] > MetaFlags.MAX_OPAQUE_LENGTH) {
                        errstr = "CLIENT_ERROR opaque token too long";
                    } else {
                        parts.add(ascii(line, tok.start[i], tok.length[i]));
                    }
                }
                case 'k' -> parts.add("k");
                case 'c' -> parts.add("c");
                default -> { }
            }
        }
        StoreMode mode;
        switch (of.mode) {
            case 0, 'S' -> mode = StoreMode.SET;
            case 'E' -> mode = StoreMode.ADD;
            case 'A' -> mode = StoreMode.APPEND;
            case 'P' -> mode = StoreMode.PREPEND;
            case 'R' -> mode = StoreMode.REPLACE;
            default -> {
                swallowWith("CLIENT_ERROR invalid mode for ms M token", vlen);
                return;
            }
        }
        if (of.hasCas && (mode == StoreMode.SET || mode == StoreMode.REPLACE)) {
            mode = StoreMode.CAS;
        }
        if (errstr != null) {
            swallowWith(errstr, vlen);
            return;
        }
        ItemKey key = new ItemKey(of.key);
        if (!admitMeta(key, of.clientFlags, vlen)) {
            return;
        }
        cp.expectMetaValue(mode, key, of, vlen, new PendingMeta(parts.toArray(new String[0]), of.keyBinary));
    }

    private void swallowWith(String errstr, long vlen) {
        cp.outErrString(errstr);
        cp.parser.swallow(vlen);
    }

    /** ms's allocation failure: the error always shows, the old item goes (whatever the mode), the data is swallowed. */
    private boolean admitMeta(ItemKey key, int flags, long vlen) {
        boolean saved = cp.noreply;
        cp.noreply = false;
        boolean ok = cp.admit(key, flags, vlen, true);
        cp.noreply = saved;
        return ok;
    }

    /** Writes the reply of an {@code ms} whose data block was stored (memcached's _finalize_mset). */
    void finishSet(PendingMeta reply, MemcacheStore.StoreOutcome o, ItemKey key) {
        if (o.result() == StoreResult.STORED && cp.noreply) {
            return;
        }
        Item it = o.item();
        StringBuilder sb = new StringBuilder(32).append(o.result().meta);
        for (String part : reply.parts()) {
            switch (part.charAt(0)) {
                case 'O' -> sb.append(' ').append(part);
                case 'k' -> appendKey(sb, key.bytes, reply.keyBinary());
                case 'c' -> sb.append(" c").append(it != null ? Long.toUnsignedString(it.cas) : "0");
                default -> { }
            }
        }
        cp.out.writeAscii(sb.append("\r\n"));
    }

    /**
     * The common head of md and ma: checks the token count and key length and parses the flags, answering the
     * error memcached gives (note its mix of plain and error-counting replies). Null when an error was written.
     */
    private MetaFlags keyAndFlags(byte[] line, int ntokens, Tokenizer tok) {
        if (ntokens < 3) {
            cp.outString("ERROR");
            return null;
        }
        if (tok.length[1] > CommandProcessor.KEY_MAX_LENGTH) {
            cp.outString(BAD_FORMAT);
            return null;
        }
        if (ntokens > MetaFlags.MAX_TOKENS) {
            cp.outString("CLIENT_ERROR options flags too long");
            return null;
        }
        MetaFlags of = new MetaFlags();
        if (!of.parse(line, tok, 2, cp.store, cp.num, BAD_FORMAT)) {
            cp.outErrString("CLIENT_ERROR invalid or duplicate flag");
            return null;
        }
        cp.noreply = of.noReply;
        return of;
    }

    /**
     * Appends the O (opaque) and k (key) flags of tokens {@code [2, last)} as md and ma echo them; false, with the
     * error written, when an opaque token is too long.
     */
    private boolean echoOpaqueAndKey(StringBuilder sb, byte[] line, Tokenizer tok, int last, MetaFlags of) {
        for (int i = 2; i < last; i++) {
            switch (line[tok.start[i]]) {
                case 'O' -> {
                    if (tok.length[i] > MetaFlags.MAX_OPAQUE_LENGTH) {
                        cp.outErrString("CLIENT_ERROR opaque token too long");
                        return false;
                    }
                    sb.append(' ').append(ascii(line, tok.start[i], tok.length[i]));
                }
                case 'k' -> appendKey(sb, of.key, of.keyBinary);
                default -> { }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- md

    void delete(byte[] line, int ntokens) {
        Tokenizer tok = tok();
        MetaFlags of = keyAndFlags(line, ntokens, tok);
        if (of == null) {
            return;
        }
        StringBuilder flags = new StringBuilder();
        int last = ntokens - 1;
        if (!echoOpaqueAndKey(flags, line, tok, last, of)) {
            return;
        }
        String[] code = new String[1];
        MemcacheStore store = cp.store;
        store.compute(new ItemKey(of.key), (old, now) -> {
            if (old == null) {
                cp.stats.deleteMisses.increment();
                code[0] = "NF";
                return null;
            }
            if (of.hasCas && old.cas != of.reqCas) {
                cp.stats.deleteMisses.increment();
                code[0] = "EX";
                return old;
            }
            code[0] = "HD";
            if (of.setStale) {
                long exp = of.newTtl ? of.exptime : old.exptime;
                int bits = (old.bits | Item.STALE) & ~Item.TOKEN_SENT;
                return old.copy(old.data, old.flags, exp, store.nextCas(), bits);
            }
            cp.stats.deleteHits.increment();
            return null;
        });
        if (code[0].equals("HD") && cp.noreply) {
            return;
        }
        cp.out.writeAscii(code[0]);
        cp.out.writeAscii(flags);
        cp.writeCrlf();
    }

    // ---------------------------------------------------------------- ma

    void arithmetic(byte[] line, int ntokens) {
        Tokenizer tok = tok();
        MetaFlags of = keyAndFlags(line, ntokens, tok);
        if (of == null) {
            return;
        }
        boolean incr;
        switch (of.mode) {
            case 0, 'I', '+' -> incr = true;
            case 'D', '-' -> incr = false;
            default -> {
                cp.outErrString("CLIENT_ERROR invalid mode for ma M token");
                return;
            }
        }
        int last = ntokens - 1;
        MemcacheStore store = cp.store;
        final boolean isIncr = incr;
        final class MaState {
            MemcacheStore.DeltaStatus status;
            Item item;
            String value;
            boolean created;
            long[] expAt = new long[ntokens];
            String error;
        }
        MaState st = new MaState();
        ItemKey key = new ItemKey(of.key);
        store.compute(key, (old, now) -> {
            st.item = null;
            st.created = false;
            st.error = null;
            MemcacheStore.DeltaOutcome d = store.applyDelta(old, now, isIncr, of.delta, of.hasCas ? of.reqCas : 0);
            st.status = d.status();
            Item it = null;
            switch (d.status()) {
                case OK -> {
                    it = d.item();
                    st.value = Long.toUnsignedString(d.value());
                }
                case NON_NUMERIC -> {
                    st.error = "CLIENT_ERROR cannot increment or decrement non-numeric value";
                    return old;
                }
                case NOT_FOUND -> {
                    if (of.vivify) {
                        st.value = Long.toUnsignedString(of.initial);
                        byte[] data = (st.value + "\r\n").getBytes(StandardCharsets.US_ASCII);
                        it = new Item(key, data, 0, 0, store.nextCas(), 0, now);
                        store.stats().totalItems.increment();
                        st.created = true;
                    } else {
                        (isIncr ? cp.stats.incrMisses : cp.stats.decrMisses).increment();
                        return null;
                    }
                }
                case CAS_MISMATCH -> {
                    return old;
                }
                default -> throw new IllegalStateException();
            }
            long exp = it.exptime;
            for (int i = 2; i < last; i++) {
                byte f = line[tok.start[i]];
                if (f == 'T') {
                    exp = of.exptime;
                } else if (f == 'N' && st.created) {
                    exp = of.autovivExptime;
                } else if (f == 'O' && tok.length[i] > MetaFlags.MAX_OPAQUE_LENGTH) {
                    st.error = "CLIENT_ERROR opaque token too long";
                    break;
                }
                st.expAt[i] = exp;
            }
            if (exp != it.exptime) {
                it = it.copy(it.data, it.flags, exp, it.cas, it.bits);
            }
            st.item = it;
            return it;
        });
        if (st.error != null) {
            cp.outErrString(st.error);
            return;
        }
        StringBuilder sb = new StringBuilder(48);
        Item it = st.item;
        if (it != null) {
            if (st.status == MemcacheStore.DeltaStatus.OK && cp.noreply) {
                return;
            }
            long now = store.now();
            if (of.value) {
                sb.append("VA ").append(st.value.length());
            } else {
                sb.append("HD");
            }
            for (int i = 2; i < last; i++) {
                switch (line[tok.start[i]]) {
                    case 'c' -> sb.append(" c").append(Long.toUnsignedString(it.cas));
                    case 't' -> {
                        long exp = st.expAt[i];
                        sb.append(" t");
                        if (exp == 0) {
                            sb.append("-1");
                        } else {
                            sb.append((exp - now) & 0xffffffffL);
                        }
                    }
                    case 'O' -> sb.append(' ').append(ascii(line, tok.start[i], tok.length[i]));
                    case 'k' -> appendKey(sb, of.key, of.keyBinary);
                    default -> { }
                }
            }
            if (of.value) {
                sb.append("\r\n").append(st.value);
            }
        } else {
            sb.append(st.status == MemcacheStore.DeltaStatus.CAS_MISMATCH ? "EX" : "NF");
            if (!echoOpaqueAndKey(sb, line, tok, last, of)) {
                return;
            }
        }
        cp.out.writeAscii(sb.append("\r\n"));
    }

    // ---------------------------------------------------------------- me

    void debug(byte[] line, int ntokens) {
        Tokenizer tok = tok();
        if (ntokens < 3 || tok.length[1] > CommandProcessor.KEY_MAX_LENGTH) {
            cp.outString(BAD_FORMAT);
            return;
        }
        byte[] key = java.util.Arrays.copyOfRange(line, tok.start[1], tok.end(1));
        if (ntokens >= 4 && tok.is(line, 2, "b")) {
            key = Base64Keys.decode(line, tok.start[1], tok.length[1]);
            if (key == null) {
                cp.outString(BAD_FORMAT);
                return;
            }
        }
        Item it = cp.store.get(new ItemKey(key), false);
        if (it != null) {
            long now = cp.store.now();
            long total = ItemSizes.itemTotal(it.key.length(), it.flags, it.data.length);
            StringBuilder sb = new StringBuilder(96).append("ME ");
            sb.append(it.keyBinary() ? Base64Keys.encode(it.key.bytes) : ascii(it.key.bytes, 0, it.key.length()));
            sb.append(" exp=").append(it.exptime == 0 ? -1 : (int) (now - it.exptime)); // memcached's sign, kept
            sb.append(" la=").append((now - it.time) & 0xffffffffL);
            sb.append(" cas=").append(Long.toUnsignedString(it.cas));
            sb.append(" fetch=").append(it.fetched ? "yes" : "no");
            sb.append(" cls=").append(ItemSizes.slabClass(total, Math.max(cp.store.maxItemSize(), total)));
            sb.append(" size=").append(total);
            cp.out.writeAscii(sb.append("\r\n"));
        } else {
            cp.outString("EN");
        }
        cp.stats.cmdMeta.increment();
    }

    // ---------------------------------------------------------------- helpers

    /** memcached's META_KEY: {@code " k<key>"}, base64 with a trailing {@code " b"} for binary keys. */
    private static void appendKey(StringBuilder sb, byte[] key, boolean binary) {
        sb.append(" k");
        if (binary) {
            sb.append(Base64Keys.encode(key)).append(" b");
        } else {
            sb.append(ascii(key, 0, key.length));
        }
    }

    /** Bytes as chars one to one, so writeAscii puts the same bytes back. */
    static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
}
