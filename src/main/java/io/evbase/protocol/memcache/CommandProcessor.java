package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Executes the classic text commands of one connection against the shared {@link MemcacheStore} and writes their
 * replies, a port of memcached 1.6's {@code process_command_ascii} and the {@code process_*_command} functions it
 * calls: the same token-count checks, the same order of validation, the same error strings, the same
 * {@code noreply} rules (it silences errors too, except where memcached forces them out). Meta commands go to
 * {@link MetaCommands}, {@code stats} to {@link StatsReporter}.
 *
 * <p>Where evbase deliberately differs, the method says so (and the README lists it).
 *
 * <p>Threading: one instance per connection, on its loop thread only; the store and counters it shares are
 * thread-safe.
 */
final class CommandProcessor implements CommandSink {

    /** memcached's KEY_MAX_LENGTH. */
    static final int KEY_MAX_LENGTH = 250;
    static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = "END\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.US_ASCII);

    final MemcacheContext ctx;
    final MemcacheStore store;
    final MemcacheStats stats;
    final BufferChain out;
    final Tokenizer tok = new Tokenizer();
    final StrtolParser num = new StrtolParser();
    final MetaCommands meta;
    final StatsReporter statsReporter;
    final RequestParser parser;
    /** memcached's c->noreply: set per command, silences out_string. */
    boolean noreply;
    // the multiget whose reply is being produced (see processGet): its line, the tokenizer's state and these
    private byte[] getLine;
    private int getLength;
    /** Index in the tokenizer's current batch of the next key to look up. */
    private int getNext;
    private boolean getReturnCas;
    private boolean getTouch;
    private long getExptime;

    // the storage command waiting for its data block
    private StoreMode pendingMode;
    private ItemKey pendingKey;
    private int pendingFlags;
    private long pendingExptime;
    private long pendingCas;
    private int pendingBits;
    private boolean pendingSetStale;
    /** Non-null while the pending storage command is an {@code ms}: its reply flags. */
    private MetaCommands.PendingMeta pendingMeta;
    /** The values the output refers to, and the socket's byte count that tells when they are written. */
    private final OutputReferences references;
    private final LongSupplier bytesWritten;
    /** What the value in flight is charged in the store's budget (0: none), given back when it ends. */
    private long pendingCharge;
    private final MemcacheAccess access;
    /** False until the authentication set succeeds, when the listener requires it. */
    private boolean authenticated;

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
        this.bytesWritten = bytesWritten;
        this.references = new OutputReferences(ctx.store().references());
        this.store = ctx.store();
        this.stats = store.stats();
        this.out = out;
        this.meta = new MetaCommands(this);
        this.statsReporter = new StatsReporter(ctx, async);
        this.parser = new RequestParser(this, ctx.settings().maxMultigetLineLength());
        this.access = ctx.settings().access();
        this.authenticated = !access.authRequired();
        parser.allowLongMultigets(authenticated);
    }

    // ---------------------------------------------------------------- replies

    /** memcached's out_string: one line, unless noreply is in force. */
    void outString(String s) {
        if (noreply) {
            return;
        }
        out.writeAscii(s);
        out.write(CRLF);
    }

    /** memcached's out_errstring: errors of the meta commands ignore noreply. */
    void outErrString(String s) {
        noreply = false;
        outString(s);
    }

    void writeCrlf() {
        out.write(CRLF);
    }

    // ---------------------------------------------------------------- keys

    // ---------------------------------------------------------------- dispatch

    @Override
    public void onCommandLine(RequestParser p, byte[] line, int length) {
        noreply = false; // conn_parse_cmd
        if (!authenticated) {
            authLine(line, length);
            return;
        }
        int ntokens = tok.tokenize(line, 0, length);
        if (ntokens < 2 || tok.length[0] < 2) {
            outString("ERROR");
            return;
        }
        byte first = line[tok.start[0]];
        if (first == 'm' && tok.length[0] == 2) {
            switch (line[tok.start[0] + 1]) {
                case 'g' -> meta.get(line, ntokens);
                case 's' -> meta.set(line, ntokens);
                case 'd' -> meta.delete(line, ntokens);
                case 'n' -> outString("MN");
                case 'a' -> meta.arithmetic(line, ntokens);
                case 'e' -> meta.debug(line, ntokens);
                default -> outString("ERROR");
            }
        } else if (first == 'g') {
            if (ntokens < 3) {
                outString("ERROR");
            } else if (tok.is(line, 0, "get")) {
                processGet(line, length, false, false);
            } else if (tok.is(line, 0, "gets")) {
                processGet(line, length, true, false);
            } else if (tok.is(line, 0, "gat")) {
                processGet(line, length, false, true);
            } else if (tok.is(line, 0, "gats")) {
                processGet(line, length, true, true);
            } else {
                outString("ERROR");
            }
        } else if (first == 's') {
            if (tok.is(line, 0, "set")) {
                if (wantTokens(ntokens, 6, 7)) {
                    processUpdate(line, ntokens, StoreMode.SET, false);
                }
            } else if (tok.is(line, 0, "stats")) {
                statsReporter.process(this, line, ntokens);
            } else if (tok.is(line, 0, "shutdown")) {
                outString("ERROR: shutdown not enabled"); // memcached without -A
            } else {
                // "slabs" (reassign, automove) has no meaning without a slab allocator: unknown here.
                outString("ERROR");
            }
        } else if (first == 'a') {
            if (tok.is(line, 0, "add")) {
                if (wantTokens(ntokens, 6, 7)) {
                    processUpdate(line, ntokens, StoreMode.ADD, false);
                }
            } else if (tok.is(line, 0, "append")) {
                if (wantTokens(ntokens, 6, 7)) {
                    processUpdate(line, ntokens, StoreMode.APPEND, false);
                }
            } else {
                outString("ERROR");
            }
        } else if (first == 'c') {
            if (tok.is(line, 0, "cas")) {
                if (wantTokens(ntokens, 7, 8)) {
                    processUpdate(line, ntokens, StoreMode.CAS, true);
                }
            } else if (tok.is(line, 0, "cache_memlimit")) {
                if (wantTokens(ntokens, 3, 4)) {
                    processMemlimit(line, ntokens);
                }
            } else {
                outString("ERROR");
            }
        } else if (first == 'i') {
            if (tok.is(line, 0, "incr")) {
                if (wantTokens(ntokens, 4, 5)) {
                    processArithmetic(line, ntokens, true);
                }
            } else {
                outString("ERROR");
            }
        } else if (first == 'd') {
            if (tok.is(line, 0, "delete")) {
                if (ntokens < 3 || ntokens > 5) {
                    outString("ERROR");
                } else {
                    processDelete(line, ntokens);
                }
            } else if (tok.is(line, 0, "decr")) {
                if (wantTokens(ntokens, 4, 5)) {
                    processArithmetic(line, ntokens, false);
                }
            } else {
                outString("ERROR");
            }
        } else if (first == 't') {
            if (tok.is(line, 0, "touch")) {
                if (wantTokens(ntokens, 4, 5)) {
                    processTouch(line, ntokens);
                }
            } else {
                outString("ERROR");
            }
        } else if (tok.is(line, 0, "replace")) {
            if (wantTokens(ntokens, 6, 7)) {
                processUpdate(line, ntokens, StoreMode.REPLACE, false);
            }
        } else if (tok.is(line, 0, "prepend")) {
            if (wantTokens(ntokens, 6, 7)) {
                processUpdate(line, ntokens, StoreMode.PREPEND, false);
            }
        } else if (tok.is(line, 0, "bget")) {
            if (ntokens < 3) {
                outString("ERROR");
            } else {
                processGet(line, length, false, false);
            }
        } else if (tok.is(line, 0, "flush_all")) {
            if (ntokens < 2 || ntokens > 4) {
                outString("ERROR");
            } else {
                processFlushAll(line, ntokens);
            }
        } else if (tok.is(line, 0, "version")) {
            outString("VERSION " + MemcacheHandler.VERSION);
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
            outString("ERROR");
        }
    }

    /** memcached's WANT_TOKENS_OR. */
    private boolean wantTokens(int ntokens, int a, int b) {
        if (ntokens != a && ntokens != b) {
            outString("ERROR");
            return false;
        }
        return true;
    }

    /** memcached's set_noreply_maybe: the last token is "noreply". */
    private boolean setNoreplyMaybe(byte[] line, int ntokens) {
        if (tok.is(line, ntokens - 2, "noreply")) {
            noreply = true;
        }
        return noreply;
    }

    ItemKey key(byte[] line, int i) {
        return ItemKey.copyOf(line, tok.start[i], tok.length[i]);
    }

    // ---------------------------------------------------------------- retrieval

    /**
     * get, gets, gat, gats and bget: validates the line, then leaves the reply to {@link #continueReply}, which the
     * parser calls at once and again whenever the output has room. Keys are looked up one at a time as the reply
     * is written, so a line naming a large value many times holds the write high watermark plus one value, not
     * the whole reply. The line itself is not copied again: it stays in the parser's scratch array, which the
     * parser does not touch until the reply is complete.
     */
    private void processGet(byte[] line, int length, boolean returnCas, boolean touch) {
        int k = 1;
        long exptime = 0;
        if (touch) {
            if (!num.strtol32(line, tok.start[1], tok.end(1))) {
                outString("CLIENT_ERROR invalid exptime argument");
                return;
            }
            k = 2;
            exptime = store.realtime(num.value);
        }
        getLine = line;
        getLength = length;
        getNext = k;
        getReturnCas = returnCas;
        getTouch = touch;
        getExptime = exptime;
        if (hasOverlongKey(line, tok.start[k], length)) {
            // memcached looks up (and for gat touches) the keys before the bad one, then drops their values
            Item it;
            do {
                it = lookupNext(); // counted, not written
            } while (it != OVERLONG && it != DONE);
            getLine = null;
            outString(BAD_FORMAT);
            return;
        }
        parser.replyInSteps();
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

    /** {@link #lookupNext()}: the keys are all looked up. */
    private static final Item DONE = new Item(null, new byte[2], 0, 0, 0, 0, 0);
    /** {@link #lookupNext()}: the next key is too long. */
    private static final Item OVERLONG = new Item(null, new byte[2], 0, 0, 0, 0, 0);

    /**
     * Looks up the multiget's next key and counts it: the item, null for a miss, {@link #DONE} when no key is
     * left, {@link #OVERLONG} for a key too long. Goes on to the rest of a line of more than 23 tokens as
     * memcached does, tokenizing it batch by batch.
     */
    private Item lookupNext() {
        int k = getNext;
        while (tok.length[k] == 0) {
            if (tok.rest < 0) {
                return DONE;
            }
            tok.tokenize(getLine, tok.rest, getLength);
            k = 0;
        }
        getNext = k + 1;
        if (tok.length[k] > KEY_MAX_LENGTH) {
            return OVERLONG;
        }
        byte[] line = getLine;
        if (getTouch) {
            Item it = store.touch(key(line, k), getExptime);
            stats.cmdTouch.increment();
            (it != null ? stats.touchHits : stats.touchMisses).increment();
            return it;
        }
        // A get looks up through this loop's probe key (no allocation); touch may store, so it copies.
        Item it = store.get(ItemKey.probe().set(line, tok.start[k], tok.length[k]), true);
        (it != null ? stats.getHits : stats.getMisses).increment();
        stats.cmdGet.increment();
        return it;
    }

    @Override
    public boolean continueReply(RequestParser p, BooleanSupplier canContinue) {
        while (true) {
            Item it = lookupNext();
            if (it == DONE) {
                break;
            }
            if (it == null) {
                continue;
            }
            out.write(VALUE);
            out.write(it.key.bytes);
            out.write((byte) ' ');
            out.writeUnsignedDecimal(Integer.toUnsignedLong(it.flags));
            out.write((byte) ' ');
            out.writeUnsignedDecimal(it.valueLength());
            if (getReturnCas) {
                out.write((byte) ' ');
                out.writeUnsignedDecimal(it.cas);
            }
            out.write(CRLF);
            writeValue(it.data);
            if (!canContinue.getAsBoolean()) {
                return false; // the next call goes on with the next key
            }
        }
        getLine = null;
        out.write(END);
        return true;
    }

    /**
     * Writes a value's data block (with its CRLF) to the output: the one place replies take values from items.
     * A value of a chunk or more is written by reference, not copied, when the store's budget for referenced
     * values has room ({@link ValueReferences}): an item's array is never modified once stored (every change makes
     * a new item), so the output reads it in place and a large reply holds no pooled memory while it waits for the
     * socket. The reference is given back once the socket has taken it ({@link #syncReferences}).
     */
    void writeValue(byte[] data) {
        if (bytesWritten != null && data.length >= out.chunkSize() && references.acquire(data)) {
            out.writeShared(data, 0, data.length);
            references.add(data, bytesWritten.getAsLong() + out.readableBytes());
        } else {
            out.write(data);
        }
    }

    /** Gives back the references to values the socket has taken; returns how many the output still holds. */
    int syncReferences() {
        return bytesWritten == null ? 0 : references.release(bytesWritten.getAsLong());
    }

    // ---------------------------------------------------------------- storage

    private void processUpdate(byte[] line, int ntokens, StoreMode mode, boolean handleCas) {
        setNoreplyMaybe(line, ntokens);
        if (tok.length[1] > KEY_MAX_LENGTH) {
            outString(BAD_FORMAT);
            return;
        }
        if (!num.strtoul32(line, tok.start[2], tok.end(2))) {
            outString(BAD_FORMAT);
            return;
        }
        int flags = (int) num.value;
        if (!num.strtol32(line, tok.start[3], tok.end(3))) {
            outString(BAD_FORMAT);
            return;
        }
        long exptime = store.realtime(num.value);
        if (!num.strtol32(line, tok.start[4], tok.end(4))) {
            outString(BAD_FORMAT);
            return;
        }
        long vlen = num.value;
        long reqCas = 0;
        if (handleCas) {
            if (!num.strtoull(line, tok.start[5], tok.end(5))) {
                outString(BAD_FORMAT);
                return;
            }
            reqCas = num.value;
        }
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
            outString(BAD_FORMAT);
            return;
        }
        vlen += 2;
        ItemKey key = key(line, 1);
        if (!admit(key, flags, vlen, mode == StoreMode.SET)) {
            return;
        }
        pendingMode = mode;
        pendingKey = key;
        pendingFlags = flags;
        pendingExptime = exptime;
        pendingCas = reqCas;
        pendingBits = 0;
        pendingSetStale = false;
        pendingMeta = null;
        parser.expectValue(new byte[(int) vlen]);
    }

    /**
     * memcached's item_alloc, before the data block arrives: refuses an item too large for the item size limit,
     * and charges the value to the store's memory budget before its array is allocated (memcached allocates the
     * item from its slab budget, evicting others, when it parses the line); when values in flight already hold
     * their share of the budget, answers {@code SERVER_ERROR out of memory storing object}. A refused value's data
     * block is swallowed without being allocated; a failed set also removes the old value so that it cannot be
     * read as if it were current.
     */
    boolean admit(ItemKey key, int flags, long nbytes, boolean unlinkOnFailure) {
        String error;
        if (!ItemSizes.sizeOk(key.length(), flags, nbytes, store.maxItemSize())) {
            error = "SERVER_ERROR object too large for cache";
            stats.storeTooLarge.increment();
        } else {
            long charge = store.chargeValue(key.length(), nbytes);
            if (charge >= 0) {
                pendingCharge = charge;
                return true;
            }
            error = "SERVER_ERROR out of memory storing object";
            stats.storeNoMemory.increment();
        }
        outString(error);
        parser.swallow(nbytes);
        if (unlinkOnFailure) {
            store.unlink(key);
        }
        return false;
    }

    /** Gives back the charge of the value in flight, if any. */
    private void releaseCharge() {
        long charge = pendingCharge;
        pendingCharge = 0;
        store.releaseValue(charge);
    }

    /** The connection closed: gives back what it held in the store's budget (a value it was still receiving). */
    void close() {
        releaseCharge();
        references.releaseAll();
        getLine = null;
        pendingKey = null;
        pendingMeta = null;
    }

    /** Arms the data block of an {@code ms}. */
    void expectMetaValue(StoreMode mode, ItemKey key, MetaFlags of, long vlen, MetaCommands.PendingMeta reply) {
        pendingMode = mode;
        pendingKey = key;
        pendingFlags = of.clientFlags;
        pendingExptime = of.exptime;
        pendingCas = of.reqCas;
        pendingBits = of.keyBinary ? Item.KEY_BINARY : 0;
        pendingSetStale = of.setStale && mode == StoreMode.CAS;
        pendingMeta = reply;
        parser.expectValue(new byte[(int) vlen]);
    }

    @Override
    public void onValue(RequestParser p, byte[] data) {
        stats.cmdSet.increment();
        MetaCommands.PendingMeta reply = pendingMeta;
        pendingMeta = null;
        ItemKey key = pendingKey;
        pendingKey = null;
        int n = data.length;
        if (data[n - 2] != '\r' || data[n - 1] != '\n') {
            releaseCharge();
            if (reply != null) {
                noreply = false; // meta set always reports errors
            }
            outString("CLIENT_ERROR bad data chunk");
            return;
        }
        MemcacheStore.StoreOutcome o = store.store(pendingMode, key, data, pendingFlags, pendingExptime, pendingBits,
                pendingCas, pendingSetStale);
        releaseCharge(); // the item now counts in the cache's weight (or was not stored)
        if (reply != null) {
            meta.finishSet(reply, o, key);
        } else {
            outString(o.result().classic);
        }
    }

    // ---------------------------------------------------------------- authentication

    /**
     * A command line before authentication, memcached's {@code try_read_command_asciiauth}: only
     * {@code set <key> <flags> <exptime> <bytes>} is accepted (key, flags and exptime ignored), and its data block
     * must be {@code <user> <password>}. The block is handed over whole from the input, never allocated; one that
     * cannot fit memcached's 16 KB read buffer closes the connection (memcached would wait for it forever).
     */
    private void authLine(byte[] line, int length) {
        int ntokens = tok.tokenize(line, 0, length);
        if (ntokens < 6 || !tok.is(line, 0, "set") || !num.strtoul32(line, tok.start[4], tok.end(4))) {
            outString("CLIENT_ERROR unauthenticated");
            return;
        }
        long bytes = num.value + 2;
        if (bytes > RequestParser.READ_BUFFER_SIZE) {
            parser.abort();
            return;
        }
        parser.expectInline((int) bytes);
    }

    @Override
    public void onInlineValue(RequestParser p, byte[] data, int length) {
        if (data[length - 2] != '\r' || data[length - 1] != '\n') {
            outString("CLIENT_ERROR bad command line termination");
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
            outString("CLIENT_ERROR bad authentication token format");
            return;
        }
        stats.authCmds.increment();
        if (access.auth().check(data, tok.start[0], tok.length[0], tok.start[1], tok.length[1])) {
            authenticated = true;
            parser.allowLongMultigets(true);
            outString("STORED");
        } else {
            stats.authErrors.increment();
            outString("CLIENT_ERROR authentication failure");
        }
    }

    // ---------------------------------------------------------------- other classic commands

    private void processTouch(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        if (tok.length[1] > KEY_MAX_LENGTH) {
            outString(BAD_FORMAT);
            return;
        }
        if (!num.strtol32(line, tok.start[2], tok.end(2))) {
            outString("CLIENT_ERROR invalid exptime argument");
            return;
        }
        Item it = store.touch(key(line, 1), store.realtime(num.value));
        stats.cmdTouch.increment();
        if (it != null) {
            stats.touchHits.increment();
            outString("TOUCHED");
        } else {
            stats.touchMisses.increment();
            outString("NOT_FOUND");
        }
    }

    private void processArithmetic(byte[] line, int ntokens, boolean incr) {
        setNoreplyMaybe(line, ntokens);
        if (tok.length[1] > KEY_MAX_LENGTH) {
            outString(BAD_FORMAT);
            return;
        }
        if (!num.strtoull(line, tok.start[2], tok.end(2))) {
            outString("CLIENT_ERROR invalid numeric delta argument");
            return;
        }
        MemcacheStore.DeltaOutcome o = store.delta(key(line, 1), incr, num.value, 0);
        switch (o.status()) {
            case OK -> outString(Long.toUnsignedString(o.value()));
            case NON_NUMERIC -> outString("CLIENT_ERROR cannot increment or decrement non-numeric value");
            case NOT_FOUND -> {
                (incr ? stats.incrMisses : stats.decrMisses).increment();
                outString("NOT_FOUND");
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
                outString("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
                return;
            }
        }
        if (tok.length[1] > KEY_MAX_LENGTH) {
            outString(BAD_FORMAT);
            return;
        }
        if (store.delete(key(line, 1))) {
            stats.deleteHits.increment();
            outString("DELETED");
        } else {
            stats.deleteMisses.increment();
            outString("NOT_FOUND");
        }
    }

    private void processVerbosity(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        if (!access.verbosity()) {
            outString("CLIENT_ERROR verbosity not allowed");
            return;
        }
        if (!num.strtoul32(line, tok.start[1], tok.end(1))) {
            outString(BAD_FORMAT);
            return;
        }
        ctx.setVerbosity((int) Math.min(num.value, 2)); // MAX_VERBOSITY_LEVEL
        outString("OK");
    }

    private void processFlushAll(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        stats.cmdFlush.increment();
        if (!access.flushAll()) {
            outString("CLIENT_ERROR flush_all not allowed"); // memcached -F; counted all the same
            return;
        }
        long delay = 0;
        if (ntokens != (noreply ? 3 : 2)) {
            if (!num.strtol32(line, tok.start[1], tok.end(1))) {
                outString("CLIENT_ERROR invalid exptime argument");
                return;
            }
            delay = num.value;
        }
        store.flushAll(delay);
        outString("OK");
    }

    /**
     * cache_memlimit &lt;megabytes&gt;: resizes the store's memory limit, with memcached's bounds and replies, and
     * refuses a limit above what the heap can hold ({@link MemcacheStore#maxMemoryLimit}).
     */
    private void processMemlimit(byte[] line, int ntokens) {
        setNoreplyMaybe(line, ntokens);
        if (!access.cacheMemlimit()) {
            outString("CLIENT_ERROR cache_memlimit not allowed");
            return;
        }
        if (!num.strtoul32(line, tok.start[1], tok.end(1))) {
            outString("ERROR");
            return;
        }
        long mb = num.value;
        if (mb < 8) {
            outString("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m");
        } else if (mb > 1_000_000_000L) {
            outString("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes");
        } else if (mb * 1024 * 1024 > MemcacheStore.maxMemoryLimit(Runtime.getRuntime().maxMemory())) {
            // more than the heap can hold: memcached's answer when its slabs cannot be adjusted, nothing changes
            outString("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust");
        } else {
            store.setMemoryLimit(mb * 1024 * 1024);
            outString("OK");
        }
    }
}
