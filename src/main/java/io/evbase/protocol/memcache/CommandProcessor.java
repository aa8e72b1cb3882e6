package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Executes the classic text commands of one connection against the shared {@link MemcacheStore} and writes their
 * replies, a port of memcached 1.6's {@code process_command_ascii} and the {@code process_*_command} functions it
 * calls: the same token-count checks, the same order of validation, the same error strings, the same
 * {@code noreply} rules (it silences errors too, except where memcached forces them out). Meta commands go to
 * {@link MetaCommands}, {@code stats} to {@link StatsReporter}, storage commands' data blocks to
 * {@link PendingStore}; replies are written through {@link Replies}.
 *
 * <p>Where evbase deliberately differs, the method says so (and docs/memcache.md lists it).
 *
 * <p>A processor keeps only what must outlive a call (whether the connection has authenticated, a storage command
 * waiting for its data block, a multiget's place in its line, the replies' state); the working objects of a
 * command (tokenizer, number parser, meta flag echo, item view) are its thread's {@link CommandScratch}.
 *
 * <p>Threading: one instance per connection, on its loop thread only; the store and counters it shares are
 * thread-safe.
 */
final class CommandProcessor implements CommandSink {

    /** memcached's KEY_MAX_LENGTH. */
    static final int KEY_MAX_LENGTH = 250;
    static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";

    final MemcacheContext ctx;
    final MemcacheStore store;
    final MemcacheStats stats;
    final Replies replies;
    private final StatsReporter.Async async;
    /** Created at the first storage command, and kept: a connection that never stores carries none. */
    private PendingStore pending;
    /** False until the authentication set succeeds, when the listener requires it. */
    private boolean authenticated;
    private final Multiget multiget = new Multiget();
    /** This thread's working objects, taken at the start of each callback. */
    private CommandScratch x;
    private Tokenizer tok;
    private StrtolParser num;

    /** A processor that copies every value into its output (it has no socket count to tell when one is sent). */
    CommandProcessor(MemcacheContext ctx, BufferChain out, StatsReporter.Async async) {
        this(ctx, out, async, null);
    }

    /**
     * @param bytesWritten the bytes of {@code out} the socket has taken so far (the connection's count), which
     *                     tells when a value the output refers to is written; null: values are always copied
     */
    CommandProcessor(MemcacheContext ctx, BufferChain out, StatsReporter.Async async, LongSupplier bytesWritten) {
        this.ctx = ctx;
        this.store = ctx.store();
        this.stats = store.stats();
        this.replies = new Replies(out, store.references(), bytesWritten);
        this.async = async;
        this.authenticated = !ctx.settings().access().authRequired();
    }

    /** Takes this thread's scratch for the callback that is starting (looked up only when the thread changed). */
    private void scratch() {
        CommandScratch s = x;
        if (s == null || s.thread != Thread.currentThread()) {
            s = CommandScratch.get();
            x = s;
            tok = s.tok;
            num = s.num;
        }
    }

    private PendingStore pending() {
        PendingStore ps = pending;
        if (ps == null) {
            ps = new PendingStore(store, replies, ctx.meta());
            pending = ps;
        }
        return ps;
    }

    /** A parser for this connection's requests, feeding this processor. */
    RequestParser newParser() {
        RequestParser p = new RequestParser(this, ctx.settings().maxMultigetLineLength());
        p.allowLongMultigets(authenticated);
        return p;
    }

    // ---------------------------------------------------------------- dispatch

    @Override
    public void onCommandLine(RequestParser p, byte[] line, int length) {
        scratch();
        replies.beginCommand(); // conn_parse_cmd
        if (!authenticated) {
            authLine(p, line, length);
            return;
        }
        int ntokens = tok.tokenize(line, 0, length);
        if (ntokens < 2 || tok.length[0] < 2) {
            replies.line("ERROR");
            return;
        }
        byte first = line[tok.start[0]];
        if (first == 'm' && tok.length[0] == 2) {
            MetaCommands meta = ctx.meta();
            switch (line[tok.start[0] + 1]) {
                case 'g' -> meta.get(x, replies, line, ntokens);
                case 's' -> meta.set(x, replies, pending(), p, line, ntokens);
                case 'd' -> meta.delete(x, replies, line, ntokens);
                case 'n' -> replies.line("MN");
                case 'a' -> meta.arithmetic(x, replies, line, ntokens);
                case 'e' -> meta.debug(x, replies, line, ntokens);
                default -> replies.line("ERROR");
            }
        } else if (first == 'g') {
            if (ntokens < 3) {
                replies.line("ERROR");
            } else if (tok.is(line, 0, "get")) {
                processGet(p, line, length, false, false);
            } else if (tok.is(line, 0, "gets")) {
                processGet(p, line, length, true, false);
            } else if (tok.is(line, 0, "gat")) {
                processGet(p, line, length, false, true);
            } else if (tok.is(line, 0, "gats")) {
                processGet(p, line, length, true, true);
            } else {
                replies.line("ERROR");
            }
        } else if (first == 's') {
            if (tok.is(line, 0, "set")) {
                if (wantTokens(ntokens, 6, 7)) {
                    processUpdate(p, line, ntokens, StoreMode.SET, false);
                }
            } else if (tok.is(line, 0, "stats")) {
                new StatsReporter(ctx, async).process(p, replies, tok, line, ntokens);
            } else if (tok.is(line, 0, "shutdown")) {
                replies.line("ERROR: shutdown not enabled"); // memcached without -A
            } else {
                // "slabs" (reassign, automove) has no meaning without a slab allocator: unknown here.
                replies.line("ERROR");
            }
        } else if (first == 'a') {
            if (tok.is(line, 0, "add")) {
                if (wantTokens(ntokens, 6, 7)) {
                    processUpdate(p, line, ntokens, StoreMode.ADD, false);
                }
            } else if (tok.is(line, 0, "append")) {
                if (wantTokens(ntokens, 6, 7)) {
                    processUpdate(p, line, ntokens, StoreMode.APPEND, false);
                }
            } else {
                replies.line("ERROR");
            }
        } else if (first == 'c') {
            if (tok.is(line, 0, "cas")) {
                if (wantTokens(ntokens, 7, 8)) {
                    processUpdate(p, line, ntokens, StoreMode.CAS, true);
                }
            } else if (tok.is(line, 0, "cache_memlimit")) {
                if (wantTokens(ntokens, 3, 4)) {
                    processMemlimit(line, ntokens);
                }
            } else {
                replies.line("ERROR");
            }
        } else if (first == 'i') {
            if (tok.is(line, 0, "incr")) {
                if (wantTokens(ntokens, 4, 5)) {
                    processArithmetic(line, ntokens, true);
                }
            } else {
                replies.line("ERROR");
            }
        } else if (first == 'd') {
            if (tok.is(line, 0, "delete")) {
                if (ntokens < 3 || ntokens > 5) {
                    replies.line("ERROR");
                } else {
                    processDelete(line, ntokens);
                }
            } else if (tok.is(line, 0, "decr")) {
                if (wantTokens(ntokens, 4, 5)) {
                    processArithmetic(line, ntokens, false);
                }
            } else {
                replies.line("ERROR");
            }
        } else if (first == 't') {
            if (tok.is(line, 0, "touch")) {
                if (wantTokens(ntokens, 4, 5)) {
                    processTouch(line, ntokens);
                }
            } else {
                replies.line("ERROR");
            }
        } else if (tok.is(line, 0, "replace")) {
            if (wantTokens(ntokens, 6, 7)) {
                processUpdate(p, line, ntokens, StoreMode.REPLACE, false);
            }
        } else if (tok.is(line, 0, "prepend")) {
            if (wantTokens(ntokens, 6, 7)) {
                processUpdate(p, line, ntokens, StoreMode.PREPEND, false);
            }
        } else if (tok.is(line, 0, "bget")) {
            if (ntokens < 3) {
                replies.line("ERROR");
            } else {
                processGet(p, line, length, false, false);
            }
        } else if (tok.is(line, 0, "flush_all")) {
            if (ntokens < 2 || ntokens > 4) {
                replies.line("ERROR");
            } else {
                processFlushAll(line, ntokens);
            }
        } else if (tok.is(line, 0, "version")) {
            replies.line("VERSION " + MemcacheHandler.VERSION);
        } else if (tok.is(line, 0, "quit")) {
            p.quit();
        } else if (tok.is(line, 0, "verbosity")) {
            if (wantTokens(ntokens, 3, 4)) {
                processVerbosity(line, ntokens);
            }
        } else if (tok.startsWith(line, ntokens - 2, "HTTP/")) {
            p.abort(); // memcached hangs up on HTTP requests
        } else {
            // Also lru, lru_crawler, watch, extstore: memcached administration evbase has no counterpart for.
            replies.line("ERROR");
        }
    }

    /** memcached's WANT_TOKENS_OR. */
    private boolean wantTokens(int ntokens, int a, int b) {
        if (ntokens != a && ntokens != b) {
            replies.line("ERROR");
            return false;
        }
        return true;
    }

    /** memcached's set_noreply_maybe: the last token is "noreply". */
    private boolean setNoreplyMaybe(byte[] line, int ntokens) {
        if (tok.is(line, ntokens - 2, "noreply")) {
            replies.noreply(true);
        }
        return replies.noreply();
    }

    // ---------------------------------------------------------------- retrieval

    /**
     * The multiget whose reply is being produced: where its next key begins in its line (which the parser keeps
     * until the reply is complete, {@link RequestParser#line()}), and how to answer each hit.
     */
    private final class Multiget implements MemcacheStore.ItemReader {
        /** Offset in the line where the search for the next key begins. */
        int pos;
        int length;
        boolean returnCas;
        boolean touch;
        long exptime;

        @Override
        public void read(ItemView it) {
            replies.value(it, returnCas, x.header);
        }
    }

    /**
     * get, gets, gat, gats and bget: validates the line, then leaves the reply to {@link #continueReply}, which the
     * parser calls at once and again whenever the output has room. Keys are looked up one at a time as the reply
     * is written, so a line naming a large value many times holds the write high watermark plus one value, not
     * the whole reply.
     */
    private void processGet(RequestParser p, byte[] line, int length, boolean returnCas, boolean touch) {
        int k = 1;
        long exptime = 0;
        if (touch) {
            if (!num.strtol32(line, tok.start[1], tok.end(1))) {
                replies.line("CLIENT_ERROR invalid exptime argument");
                return;
            }
            k = 2;
            exptime = store.realtime(num.value);
        }
        Multiget m = multiget;
        m.pos = tok.start[k];
        m.length = length;
        m.returnCas = returnCas;
        m.touch = touch;
        m.exptime = exptime;
        if (hasOverlongKey(line, tok.start[k], length)) {
            // memcached looks up (and for gat touches) the keys before the bad one, then drops their values
            int r;
            do {
                r = lookupNext(line, null); // counted, not written
            } while (r != OVERLONG && r != DONE);
            replies.line(BAD_FORMAT);
            return;
        }
        p.replyInSteps();
    }

    /** Whether a space-separated token of {@code line[from, to)} is longer than a key may be. */
    private static boolean hasOverlongKey(byte[] line, int from, int to) {
        int run = 0;
        for (int i = from; i < to; i++) {
            if (line[i] == ' ') {
                run = 0;
            } else if (++run > KEY_MAX_LENGTH) {
                return true;
            }
        }
        return false;
    }

    private static final int HIT = 0;
    private static final int MISS = 1;
    private static final int DONE = 2;
    private static final int OVERLONG = 3;

    /**
     * Looks up the multiget's next key, counts it, and answers a hit through {@code reader} (null: not written):
     * {@link #HIT}, {@link #MISS}, {@link #DONE} when no key is left, {@link #OVERLONG} for a key too long. The keys
     * are the line's space-separated tokens after the command, as memcached's batches of 24 tokens yield them.
     */
    private int lookupNext(byte[] line, MemcacheStore.ItemReader reader) {
        Multiget m = multiget;
        int i = m.pos;
        int end = m.length;
        while (i < end && line[i] == ' ') {
            i++;
        }
        if (i >= end) {
            return DONE;
        }
        int start = i;
        while (i < end && line[i] != ' ') {
            i++;
        }
        m.pos = i;
        int keyLength = i - start;
        if (keyLength > KEY_MAX_LENGTH) {
            return OVERLONG;
        }
        if (m.touch) {
            boolean hit = store.touch(line, start, keyLength, m.exptime, x.view, reader);
            stats.cmdTouch.increment();
            (hit ? stats.touchHits : stats.touchMisses).increment();
            return hit ? HIT : MISS;
        }
        boolean hit = store.get(line, start, keyLength, true, x.view, reader);
        (hit ? stats.getHits : stats.getMisses).increment(); // cmd_get is their sum
        return hit ? HIT : MISS;
    }

    @Override
    public boolean continueReply(RequestParser p, BooleanSupplier canContinue) {
        scratch();
        byte[] line = p.line();
        while (true) {
            int r = lookupNext(line, multiget);
            if (r == DONE) {
                break;
            }
            if (r == HIT && !canContinue.getAsBoolean()) {
                return false; // the next call goes on with the next key
            }
        }
        replies.end();
        return true;
    }

    // ---------------------------------------------------------------- storage

    private void processUpdate(RequestParser p, byte[] line, int ntokens, StoreMode mode, boolean handleCas) {
        setNoreplyMaybe(line, ntokens);
        if (tok.length[1] > KEY_MAX_LENGTH) {
            replies.line(BAD_FORMAT);
            return;
        }
        if (!num.strtoul32(line, tok.start[2], tok.end(2))) {
            replies.line(BAD_FORMAT);
            return;
        }
        int flags = (int) num.value;
        if (!num.strtol32(line, tok.start[3], tok.end(3))) {
            replies.line(BAD_FORMAT);
            return;
        }
        long exptime = store.realtime(num.value);
        if (!num.strtol32(line, tok.start[4], tok.end(4))) {
            replies.line(BAD_FORMAT);
            return;
        }
        long vlen = num.value;
        long reqCas = 0;
        if (handleCas) {
            if (!num.strtoull(line, tok.start[5], tok.end(5))) {
                replies.line(BAD_FORMAT);
                return;
            }
            reqCas = num.value;
        }
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
            replies.line(BAD_FORMAT);
            return;
        }
        vlen += 2;
        // the key stays in the line, which the parser keeps until the data block is stored
        PendingStore pending = pending();
        if (pending.admit(p, line, tok.start[1], tok.length[1], flags, vlen, mode == StoreMode.SET, false)) {
            pending.expect(p, mode, line, tok.start[1], tok.length[1], flags, exptime, reqCas, 0, false, false, vlen);
        }
    }

    @Override
    public void onValue(RequestParser p, byte[] data, int length) {
        pending().complete(p, data, length);
    }

    /** Gives back the references to values the socket has taken; returns how many the output still holds. */
    int syncReferences() {
        return replies.syncReferences();
    }

    /**
     * The connection closed: gives back what it held in the store's budget (a value it was still receiving, the
     * values its output referred to).
     */
    void close() {
        if (pending != null) {
            pending.close();
        }
        replies.releaseReferences();
    }

    // ---------------------------------------------------------------- authentication

    /**
     * A command line before authentication, memcached's {@code try_read_command_asciiauth}: only
     * {@code set <key> <flags> <exptime> <bytes>} is accepted (key, flags and exptime ignored), and its data block
     * must be {@code <user> <password>}. The block is handed over whole from the input, never allocated; one that
     * cannot fit memcached's 16 KB read buffer closes the connection (memcached would wait for it forever).
     */
    private void authLine(RequestParser p, byte[] line, int length) {
        int ntokens = tok.tokenize(line, 0, length);
        if (ntokens < 6 || !tok.is(line, 0, "set") || !num.strtoul32(line, tok.start[4], tok.end(4))) {
            replies.line("CLIENT_ERROR unauthenticated");
            return;
        }
        long bytes = num.value + 2;
        if (bytes > RequestParser.READ_BUFFER_SIZE) {
            p.abort();
            return;
        }
        p.expectInline((int) bytes);
    }

    @Override
    public void onInlineValue(RequestParser p, byte[] data, int length) {
        scratch();
        if (data[length - 2] != '\r' || data[length - 1] != '\n') {
            replies.line("CLIENT_ERROR bad command line termination");
            return;
        }
        int end = length - 2;
        for (int i = 0; i < end; i++) {
            if (data[i] == 0) {
                end = i; // memcached tokenizes the payload as a C string
                break;
            }
        }
        if (tok.tokenize(data, 0, end) < 3) {
            replies.line("CLIENT_ERROR bad authentication token format");
            return;
        }
        stats.authCmds.increment();
        if (ctx.settings().access().auth().check(data, tok.start[0], tok.length[0], tok.start[1], tok.length[1])) {
            authenticated = true;
            p.allowLongMultigets(true);
            replies.line("STORED");
        } else {
            stats.authErrors.increment();
            replies.line("CLIENT_ERROR authentication failure");
        }
    }

    // ---------------------------------------------------------------- other classic commands

    private void processTouch(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        if (tok.length[1] > KEY_MAX_LENGTH) {
            replies.line(BAD_FORMAT);
            return;
        }
        if (!num.strtol32(line, tok.start[2], tok.end(2))) {
            replies.line("CLIENT_ERROR invalid exptime argument");
            return;
        }
        boolean hit = store.touch(line, tok.start[1], tok.length[1], store.realtime(num.value), null, null);
        stats.cmdTouch.increment();
        if (hit) {
            stats.touchHits.increment();
            replies.line("TOUCHED");
        } else {
            stats.touchMisses.increment();
            replies.line("NOT_FOUND");
        }
    }

    private void processArithmetic(byte[] line, int ntokens, boolean incr) {
        setNoreplyMaybe(line, ntokens);
        if (tok.length[1] > KEY_MAX_LENGTH) {
            replies.line(BAD_FORMAT);
            return;
        }
        if (!num.strtoull(line, tok.start[2], tok.end(2))) {
            replies.line("CLIENT_ERROR invalid numeric delta argument");
            return;
        }
        IncrDecr.Outcome o;
        try {
            o = store.delta(line, tok.start[1], tok.length[1], incr, num.value, 0);
        } catch (MemcacheStore.NoMemoryException e) {
            stats.storeNoMemory.increment();
            replies.line(e.getMessage());
            return;
        }
        switch (o.status()) {
            case OK -> replies.line(Long.toUnsignedString(o.value()));
            case NON_NUMERIC -> replies.line("CLIENT_ERROR cannot increment or decrement non-numeric value");
            case NOT_FOUND -> {
                (incr ? stats.incrMisses : stats.decrMisses).increment();
                replies.line("NOT_FOUND");
            }
            case CAS_MISMATCH -> {
                // cannot happen without a CAS to compare
            }
            default -> throw new IllegalStateException(o.status().toString());
        }
    }

    private void processDelete(byte[] line, int ntokens) {
        if (ntokens > 3) {
            boolean holdIsZero = tok.is(line, 2, "0");
            boolean setsNoreply = setNoreplyMaybe(line, ntokens);
            boolean valid = (ntokens == 4 && (holdIsZero || setsNoreply))
                    || (ntokens == 5 && holdIsZero && setsNoreply);
            if (!valid) {
                replies.line("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
                return;
            }
        }
        if (tok.length[1] > KEY_MAX_LENGTH) {
            replies.line(BAD_FORMAT);
            return;
        }
        if (store.delete(line, tok.start[1], tok.length[1])) {
            stats.deleteHits.increment();
            replies.line("DELETED");
        } else {
            stats.deleteMisses.increment();
            replies.line("NOT_FOUND");
        }
    }

    private void processVerbosity(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        if (!ctx.settings().access().verbosity()) {
            replies.line("CLIENT_ERROR verbosity not allowed");
            return;
        }
        if (!num.strtoul32(line, tok.start[1], tok.end(1))) {
            replies.line(BAD_FORMAT);
            return;
        }
        ctx.setVerbosity((int) Math.min(num.value, 2)); // MAX_VERBOSITY_LEVEL
        replies.line("OK");
    }

    private void processFlushAll(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        stats.cmdFlush.increment();
        if (!ctx.settings().access().flushAll()) {
            replies.line("CLIENT_ERROR flush_all not allowed"); // memcached -F; counted all the same
            return;
        }
        long delay = 0;
        if (ntokens != (replies.noreply() ? 3 : 2)) {
            if (!num.strtol32(line, tok.start[1], tok.end(1))) {
                replies.line("CLIENT_ERROR invalid exptime argument");
                return;
            }
            delay = num.value;
        }
        store.flushAll(delay);
        replies.line("OK");
    }

    /**
     * cache_memlimit &lt;megabytes&gt;: resizes the store's memory limit, with memcached's bounds and replies, and
     * refuses a limit above what the heap can hold ({@link MemcacheStore#maxMemoryLimit}).
     */
    private void processMemlimit(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        if (!ctx.settings().access().cacheMemlimit()) {
            replies.line("CLIENT_ERROR cache_memlimit not allowed");
            return;
        }
        if (!num.strtoul32(line, tok.start[1], tok.end(1))) {
            replies.line("ERROR");
            return;
        }
        long mb = num.value;
        if (mb < 8) {
            replies.line("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m");
        } else if (mb > 1_000_000_000L) {
            replies.line("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes");
        } else if (mb * 1024 * 1024 > MemcacheStore.maxMemoryLimit(Runtime.getRuntime().maxMemory())) {
            // more than the heap can hold: memcached's answer when its slabs cannot be adjusted, nothing changes
            replies.line("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust");
        } else {
            store.setMemoryLimit(mb * 1024 * 1024);
            replies.line("OK");
        }
    }
}
