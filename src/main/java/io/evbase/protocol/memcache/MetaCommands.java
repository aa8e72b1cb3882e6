package io.evbase.protocol.memcache;

import java.nio.charset.StandardCharsets;

/**
 * The meta commands of memcached 1.6.18: {@code mg}, {@code ms}, {@code md}, {@code ma} and {@code me}
 * ({@code mn} is a one-liner in {@link CommandProcessor}). Ports of {@code process_mget_command} and its siblings:
 * same validation order, same error strings, flags echoed in the order given ({@link MetaEcho}), {@code q} hiding
 * only the nominal reply ({@code EN} for mg, {@code HD} for ms, md and ma).
 *
 * <p>Each command reads as its steps: check the line, parse the flags, decide under the item's lock, count, reply.
 * Flags with side effects on the item ({@code T}, {@code N}, {@code R}, the stale and win-token bits) are applied
 * inside the store's per-key {@code compute}, so that, as under memcached's item lock, only one client wins a
 * recache token. They take effect in token order, as in memcached: {@code mg k t T30} reports the TTL before the
 * update, {@code mg k T30 t} the one after.
 *
 * <p>Threading: one instance per handler, shared by its connections and loops: it holds only the store, and each
 * command gets the connection's replies and pending store and its thread's {@link CommandScratch}.
 */
final class MetaCommands {

    private static final String BAD_FORMAT = CommandProcessor.BAD_FORMAT;
    private static final String OPAQUE_TOO_LONG = "CLIENT_ERROR opaque token too long";
    /** The flags an {@code mg} hit echoes; a miss echoes {@link MetaEcho#ALWAYS}. */
    private static final String MG_ECHOED = "stcflhOk";
    private static final String MA_ECHOED = "ctOk";
    private static final String MS_ECHOED = "Okc";
    private static final byte[] EMPTY_DATA = {'\r', '\n'};

    private final MemcacheStore store;
    private final MemcacheStats stats;

    MetaCommands(MemcacheStore store) {
        this.store = store;
        this.stats = store.stats();
    }

    // ---------------------------------------------------------------- mg

    /** One meta get: what it decided (under the item's lock) and the reply it writes. Per thread, in the scratch. */
    static final class MetaGet implements MemcacheStore.ItemReader {
        MemcacheStore store;
        Replies replies;
        MetaEcho echo;
        Tokenizer tok;
        MetaFlags of;
        byte[] line;
        int last;
        /** Index of the first over-long opaque, or -1. */
        int badOpaque;
        /** The unlocked lookup found a stale item: the locked path decides. */
        boolean needsLock;
        Item item;
        boolean created;
        boolean won;
        boolean tokenWasSent;
        boolean stale;
        boolean ttlSet;
        boolean fetchedBefore;
        long timeBefore;

        void begin(MemcacheStore s, Replies r, CommandScratch x, MetaFlags flags, byte[] requestLine, int lastToken) {
            store = s;
            replies = r;
            echo = x.echo;
            tok = x.tok;
            of = flags;
            line = requestLine;
            last = lastToken;
            badOpaque = firstOverlongOpaque(tok, requestLine, lastToken);
            needsLock = false;
            item = null;
            created = false;
            won = false;
            tokenWasSent = false;
            stale = false;
            ttlSet = false;
            fetchedBefore = false;
            timeBefore = 0;
        }

        /** The unlocked path's hit, under the item's lock: writes the whole reply unless the locked path must decide. */
        @Override
        public void read(ItemView it) {
            if (it.isStale()) {
                needsLock = true;
                return;
            }
            tokenWasSent = it.tokenSent();
            if (badOpaque >= 0) {
                return; // the error reply follows
            }
            long exptime = it.exptime();
            for (int i = 2; i < last; i++) {
                echo.expiryAt[i] = exptime;
            }
            echo.size = it.valueLength();
            echo.cas = it.cas();
            echo.flags = it.flags();
            echo.keyBinary = it.keyBinary();
            writeHitLine();
            if (of.value) {
                it.writeValue(replies);
                replies.crlf();
            }
        }

        /** The locked path's function: vivify, TTL, recache and win-token decisions, in token order. */
        Item decide(Item old, long now) {
            item = null;
            created = false;
            won = false;
            ttlSet = false;
            Item it = old;
            if (it == null && of.vivify) {
                it = new Item(of.key, EMPTY_DATA, 0, 0, store.nextCas(), 0, now);
                created = true;
            }
            if (it == null) {
                return null;
            }
            fetchedBefore = it.fetched;
            timeBefore = it.time;
            long exp = it.exptime;
            int walkEnd = badOpaque >= 0 ? badOpaque : last;
            for (int i = 2; i < walkEnd; i++) {
                switch (line[tok.start[i]]) {
                    case 'T' -> {
                        ttlSet = true;
                        exp = of.exptime;
                    }
                    case 'N' -> {
                        if (created) {
                            exp = of.autovivExptime;
                            won = true;
                        }
                    }
                    case 'R' -> {
                        if (!it.tokenSent() && !created && exp != 0 && exp < of.recacheTime) {
                            won = true;
                        }
                    }
                    default -> { }
                }
                echo.expiryAt[i] = exp;
            }
            int bits = it.bits;
            if (badOpaque < 0) {
                tokenWasSent = it.tokenSent();
                stale = it.isStale();
                if (stale && !it.tokenSent()) {
                    won = true;
                }
                if (won) {
                    bits |= Item.TOKEN_SENT;
                }
            } else {
                won = false;
            }
            Item result = exp != it.exptime || bits != it.bits ? it.copy(null, it.flags, exp, it.cas, bits) : it;
            if (!of.noUpdate) {
                MemcacheStore.bump(result, now);
            }
            item = result;
            return result;
        }

        /** {@code VA <size>} or {@code HD}, the echoed flags, the token flags, CRLF. */
        void writeHitLine() {
            if (of.value) {
                replies.out.writeAscii("VA ").writeUnsignedDecimal(echo.size);
            } else {
                replies.out.writeAscii("HD");
            }
            echo.write(replies.out, MG_ECHOED);
            if (tokenWasSent) {
                replies.out.writeAscii(" Z");
            }
            if (stale) {
                replies.out.writeAscii(" X");
            }
            if (won) {
                replies.out.writeAscii(" W");
            }
            replies.crlf();
        }
    }

    void get(CommandScratch x, Replies replies, byte[] line, int ntokens) {
        Tokenizer tok = x.tok;
        MetaEcho echo = x.echo;
        if (ntokens < 3) {
            replies.line("ERROR");
            return;
        }
        if (tok.length[1] > CommandProcessor.KEY_MAX_LENGTH) {
            replies.error(BAD_FORMAT);
            return;
        }
        if (ntokens > MetaFlags.MAX_TOKENS) {
            replies.error("CLIENT_ERROR options flags are too long");
            return;
        }
        MetaFlags of = new MetaFlags();
        if (!of.parse(line, tok, 2, store, x.num, BAD_FORMAT)) {
            replies.error(of.errstr);
            return;
        }
        replies.noreply(of.noReply);
        int last = ntokens - 1; // tokens [2, last) are flags
        MetaGet m = x.mg;
        m.begin(store, replies, x, of, line, last);
        echo.plan(line, tok, 2, last, MG_ECHOED);
        echo.now = store.now();
        echo.key = of.key;
        echo.keyBinary = of.keyBinary;
        // step 1: the lookup, unlocked unless a flag needs the item's lock (the reply of an unlocked hit is written)
        boolean hit = false;
        if (!of.locked) {
            hit = store.get(of.key, 0, of.key.length, !of.noUpdate, x.view, m);
        }
        if (of.locked || m.needsLock) {
            try {
                hit = store.compute(of.key, 0, of.key.length, of.value, m::decide) != null;
            } catch (MemcacheStore.NoMemoryException e) {
                stats.storeNoMemory.increment();
                replies.error(e.getMessage());
                return;
            }
            if (m.created) {
                stats.totalItems.increment();
            }
        }
        // step 2: an over-long opaque is an error (memcached counts nothing on this path)
        if (m.badOpaque >= 0) {
            replies.error(OPAQUE_TOO_LONG);
            return;
        }
        // step 3: count
        if (hit) {
            if (m.ttlSet) {
                stats.cmdTouch.increment();
                stats.touchHits.increment();
            } else {
                stats.getHits.increment(); // cmd_get is hits plus misses
            }
        } else if (m.ttlSet) {
            stats.cmdTouch.increment();
            stats.touchMisses.increment();
        } else {
            stats.getMisses.increment();
        }
        // step 4: reply (an unlocked hit wrote its own)
        if (!hit) {
            if (!replies.noreply()) {
                replies.out.writeAscii("EN");
                echo.write(replies.out, MetaEcho.ALWAYS);
                replies.crlf();
            }
        } else if (m.item != null) {
            Item it = m.item;
            echo.size = it.valueLength();
            echo.cas = it.cas;
            echo.flags = it.flags;
            echo.lastAccess = m.timeBefore;
            echo.hitBefore = m.fetchedBefore;
            echo.key = it.key;
            echo.keyBinary = it.keyBinary();
            m.writeHitLine();
            if (of.value) {
                replies.out.write(it.data());
            }
        }
    }

    // ---------------------------------------------------------------- ms

    void set(CommandScratch x, Replies replies, PendingStore pending, RequestParser p, byte[] line, int ntokens) {
        Tokenizer tok = x.tok;
        StrtolParser num = x.num;
        if (ntokens < 3) {
            replies.line("ERROR");
            return;
        }
        if (tok.length[1] > CommandProcessor.KEY_MAX_LENGTH || ntokens == 3) {
            replies.error(BAD_FORMAT);
            return;
        }
        if (ntokens > MetaFlags.MAX_TOKENS) {
            replies.error("CLIENT_ERROR options flags too long");
            return;
        }
        if (!num.strtol32(line, tok.start[2], tok.end(2))) {
            replies.error(BAD_FORMAT);
            return;
        }
        long vlen = num.value;
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
            replies.error(BAD_FORMAT);
            return;
        }
        vlen += 2;
        MetaFlags of = new MetaFlags();
        if (!of.parse(line, tok, 3, store, num, BAD_FORMAT)) {
            swallowWith(replies, p, of.errstr, vlen);
            return;
        }
        replies.noreply(of.noReply);
        int last = ntokens - 1;
        StoreMode mode;
        switch (of.mode) {
            case 0, 'S' -> mode = StoreMode.SET;
            case 'E' -> mode = StoreMode.ADD;
            case 'A' -> mode = StoreMode.APPEND;
            case 'P' -> mode = StoreMode.PREPEND;
            case 'R' -> mode = StoreMode.REPLACE;
            default -> {
                swallowWith(replies, p, "CLIENT_ERROR invalid mode for ms M token", vlen);
                return;
            }
        }
        if (of.hasCas && (mode == StoreMode.SET || mode == StoreMode.REPLACE)) {
            mode = StoreMode.CAS;
        }
        if (firstOverlongOpaque(tok, line, last) >= 0) {
            swallowWith(replies, p, OPAQUE_TOO_LONG, vlen);
            return;
        }
        if (!pending.admit(p, of.key, 0, of.key.length, of.clientFlags, vlen, true, true)) {
            return;
        }
        // the reply echoes the line's flags once the data block is stored (the parser keeps the line till then)
        pending.expect(p, mode, of.key, 0, of.key.length, of.clientFlags, of.exptime, of.reqCas,
                of.keyBinary ? Item.KEY_BINARY : 0, of.setStale && mode == StoreMode.CAS, true, vlen);
    }

    /**
     * Writes the reply of an {@code ms} whose data block was stored (memcached's _finalize_mset): the result and
     * the flags {@code O}, {@code k} and {@code c} of its line, which the parser has kept.
     */
    void finishSet(CommandScratch x, Replies replies, byte[] line, int lineLength, StoreResult result, long cas,
            byte[] key, boolean keyBinary) {
        if (result == StoreResult.STORED && replies.noreply()) {
            return;
        }
        int last = x.tok.tokenize(line, 0, lineLength) - 1;
        MetaEcho echo = x.echo;
        echo.plan(line, x.tok, 2, last, MS_ECHOED);
        echo.cas = result == StoreResult.STORED ? cas : 0;
        echo.key = key;
        echo.keyBinary = keyBinary;
        replies.out.writeAscii(result.meta);
        echo.write(replies.out, MS_ECHOED);
        replies.crlf();
    }

    private static void swallowWith(Replies replies, RequestParser p, String errstr, long vlen) {
        replies.error(errstr);
        p.swallow(vlen);
    }

    // ---------------------------------------------------------------- md

    void delete(CommandScratch x, Replies replies, byte[] line, int ntokens) {
        Tokenizer tok = x.tok;
        MetaEcho echo = x.echo;
        MetaFlags of = keyAndFlags(x, replies, line, ntokens);
        if (of == null) {
            return;
        }
        int last = ntokens - 1;
        if (firstOverlongOpaque(tok, line, last) >= 0) {
            replies.error(OPAQUE_TOO_LONG);
            return;
        }
        String[] code = new String[1];
        store.compute(of.key, 0, of.key.length, false, (old, now) -> {
            if (old == null) {
                code[0] = "NF";
                return null;
            }
            if (of.hasCas && old.cas != of.reqCas) {
                code[0] = "EX";
                return old;
            }
            code[0] = "HD";
            if (of.setStale) {
                long exp = of.newTtl ? of.exptime : old.exptime;
                int bits = (old.bits | Item.STALE) & ~Item.TOKEN_SENT;
                code[0] = "HD stale";
                return old.copy(null, old.flags, exp, store.nextCas(), bits);
            }
            return null;
        });
        switch (code[0]) {
            case "NF", "EX" -> stats.deleteMisses.increment();
            case "HD" -> stats.deleteHits.increment();
            default -> code[0] = "HD"; // marked stale: neither a hit nor a miss, as in memcached
        }
        if (code[0].equals("HD") && replies.noreply()) {
            return;
        }
        echo.plan(line, tok, 2, last, MetaEcho.ALWAYS);
        echo.key = of.key;
        echo.keyBinary = of.keyBinary;
        replies.out.writeAscii(code[0]);
        echo.write(replies.out, MetaEcho.ALWAYS);
        replies.crlf();
    }

    // ---------------------------------------------------------------- ma

    /** What one meta arithmetic decided under the item's lock. */
    private static final class MetaArithmetic {
        IncrDecr.Status status;
        Item item;
        String value;
        boolean created;
        String error;
    }

    void arithmetic(CommandScratch x, Replies replies, byte[] line, int ntokens) {
        Tokenizer tok = x.tok;
        MetaEcho echo = x.echo;
        MetaFlags of = keyAndFlags(x, replies, line, ntokens);
        if (of == null) {
            return;
        }
        boolean incr;
        switch (of.mode) {
            case 0, 'I', '+' -> incr = true;
            case 'D', '-' -> incr = false;
            default -> {
                replies.error("CLIENT_ERROR invalid mode for ma M token");
                return;
            }
        }
        int last = ntokens - 1;
        // step 1: decide under the item's lock
        MetaArithmetic st = new MetaArithmetic();
        try {
            store.compute(of.key, 0, of.key.length, false, (old, now) -> applyArithmetic(x, st, of, incr, line, last,
                    old, now));
        } catch (MemcacheStore.NoMemoryException e) {
            stats.storeNoMemory.increment();
            replies.error(e.getMessage());
            return;
        }
        // step 2: count
        if (st.status == IncrDecr.Status.OK) {
            (incr ? stats.incrHits : stats.decrHits).increment();
        } else if (st.status == IncrDecr.Status.NOT_FOUND) {
            if (st.created) {
                stats.totalItems.increment();
            } else {
                (incr ? stats.incrMisses : stats.decrMisses).increment();
            }
        }
        // step 3: reply
        if (st.error != null) {
            replies.error(st.error);
            return;
        }
        Item it = st.item;
        if (it == null) {
            if (firstOverlongOpaque(tok, line, last) >= 0) {
                replies.error(OPAQUE_TOO_LONG);
                return;
            }
            replies.out.writeAscii(st.status == IncrDecr.Status.CAS_MISMATCH ? "EX" : "NF");
            echo.plan(line, tok, 2, last, MetaEcho.ALWAYS);
            echo.key = of.key;
            echo.keyBinary = of.keyBinary;
            echo.write(replies.out, MetaEcho.ALWAYS);
            replies.crlf();
            return;
        }
        if (st.status == IncrDecr.Status.OK && replies.noreply()) {
            return;
        }
        if (of.value) {
            replies.out.writeAscii("VA ").writeUnsignedDecimal(st.value.length());
        } else {
            replies.out.writeAscii("HD");
        }
        echo.plan(line, tok, 2, last, MA_ECHOED);
        echo.now = store.now();
        echo.cas = it.cas;
        echo.key = of.key;
        echo.keyBinary = of.keyBinary;
        echo.write(replies.out, MA_ECHOED);
        if (of.value) {
            replies.crlf();
            replies.out.writeAscii(st.value);
        }
        replies.crlf();
    }

    /** ma's function under the item's lock: the delta (or the vivified item), then the TTL flags in token order. */
    private Item applyArithmetic(CommandScratch x, MetaArithmetic st, MetaFlags of, boolean incr, byte[] line,
            int last, Item old, long now) {
        Tokenizer tok = x.tok;
        st.item = null;
        st.created = false;
        st.error = null;
        IncrDecr.Outcome d = store.applyDelta(old, now, incr, of.delta, of.hasCas ? of.reqCas : 0);
        st.status = d.status();
        Item it;
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
                if (!of.vivify) {
                    return null;
                }
                st.value = Long.toUnsignedString(of.initial);
                it = new Item(of.key, (st.value + "\r\n").getBytes(StandardCharsets.US_ASCII), 0, 0, store.nextCas(),
                        0, now);
                st.created = true;
            }
            case CAS_MISMATCH -> {
                return old;
            }
            default -> throw new IllegalStateException(d.status().toString());
        }
        long exp = it.exptime;
        for (int i = 2; i < last; i++) {
            byte f = line[tok.start[i]];
            if (f == 'T') {
                exp = of.exptime;
            } else if (f == 'N' && st.created) {
                exp = of.autovivExptime;
            } else if (f == 'O' && tok.length[i] > MetaFlags.MAX_OPAQUE_LENGTH) {
                st.error = OPAQUE_TOO_LONG;
                break;
            }
            x.echo.expiryAt[i] = exp;
        }
        if (exp != it.exptime) {
            it = it.copy(it.data(), it.flags, exp, it.cas, it.bits);
        }
        st.item = it;
        return it;
    }

    // ---------------------------------------------------------------- me

    void debug(CommandScratch x, Replies replies, byte[] line, int ntokens) {
        Tokenizer tok = x.tok;
        if (ntokens < 3 || tok.length[1] > CommandProcessor.KEY_MAX_LENGTH) {
            replies.line(BAD_FORMAT);
            return;
        }
        byte[] key = java.util.Arrays.copyOfRange(line, tok.start[1], tok.end(1));
        if (ntokens >= 4 && tok.is(line, 2, "b")) {
            key = Base64Keys.decode(line, tok.start[1], tok.length[1]);
            if (key == null) {
                replies.line(BAD_FORMAT);
                return;
            }
        }
        long now = store.now();
        boolean hit = store.get(key, 0, key.length, false, x.view, it -> {
            long total = ItemSizes.itemTotal(it.keyLength(), it.flags(), it.valueLength() + 2L);
            byte[] k = it.key();
            StringBuilder sb = new StringBuilder(96).append("ME ");
            sb.append(it.keyBinary() ? Base64Keys.encode(k) : new String(k, StandardCharsets.ISO_8859_1));
            long exptime = it.exptime();
            sb.append(" exp=").append(exptime == 0 ? -1 : (int) (now - exptime)); // memcached's sign, kept
            sb.append(" la=").append((now - it.time()) & 0xffffffffL);
            sb.append(" cas=").append(Long.toUnsignedString(it.cas()));
            sb.append(" fetch=").append(it.fetched() ? "yes" : "no");
            sb.append(" cls=").append(ItemSizes.slabClass(total, Math.max(store.maxItemSize(), total)));
            sb.append(" size=").append(total);
            replies.out.writeAscii(sb.append("\r\n"));
        });
        if (!hit) {
            replies.line("EN");
        }
        stats.cmdMeta.increment();
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The common head of md and ma: checks the token count and key length and parses the flags, answering the
     * error memcached gives (note its mix of plain and error-counting replies). Null when an error was written.
     */
    private MetaFlags keyAndFlags(CommandScratch x, Replies replies, byte[] line, int ntokens) {
        Tokenizer tok = x.tok;
        if (ntokens < 3) {
            replies.line("ERROR");
            return null;
        }
        if (tok.length[1] > CommandProcessor.KEY_MAX_LENGTH) {
            replies.line(BAD_FORMAT);
            return null;
        }
        if (ntokens > MetaFlags.MAX_TOKENS) {
            replies.line("CLIENT_ERROR options flags too long");
            return null;
        }
        MetaFlags of = new MetaFlags();
        if (!of.parse(line, tok, 2, store, x.num, BAD_FORMAT)) {
            replies.error("CLIENT_ERROR invalid or duplicate flag");
            return null;
        }
        replies.noreply(of.noReply);
        return of;
    }

    /** The index of the first opaque token among {@code [2, last)} longer than memcached allows, or -1. */
    private static int firstOverlongOpaque(Tokenizer tok, byte[] line, int last) {
        for (int i = 2; i < last; i++) {
            if (line[tok.start[i]] == 'O' && tok.length[i] > MetaFlags.MAX_OPAQUE_LENGTH) {
                return i;
            }
        }
        return -1;
    }
}
