package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import java.util.function.BooleanSupplier;

/**
 * The request state machine of the text protocol, after memcached's {@code drive_machine}: it reads command lines,
 * data blocks and swallowed bytes from a connection's input {@link BufferChain}, and never assumes that one read
 * holds one request. A command split across reads at any byte waits in the input (lines) or in its item's array
 * (data blocks, copied as they arrive, so a value never needs to fit the input buffer); many pipelined commands in
 * one read are all handled in one call.
 *
 * <p>States, one method each (after Netty's {@code RedisDecoder}): {@code COMMAND} looks for a line end;
 * {@code VALUE} copies a data block into the array the sink supplied; {@code SWALLOW} discards the data block of a
 * refused command without storing it (memcached's {@code conn_swallow}); {@code INLINE} waits until a short data
 * block (an authentication {@code set}'s) is whole in the input, as memcached waits for it in its read buffer, and
 * hands it over without allocating it; {@code REPLY} produces a long reply (a multiget) as the output drains: the
 * sink writes while the connection is writable and goes on from where it stopped on the next call;
 * {@code SUSPENDED} waits for an asynchronous reply before the next command; {@code DONE} ignores everything after
 * {@code quit} or a fatal error. The state is the parser's own: callers ask {@link #isMidRequest()}.
 *
 * <p>Line limits, as memcached 1.6 enforces them: a partial line of more than 2048 bytes closes the connection
 * unless it starts with {@code get } or {@code gets } (multigets are long), and a line that cannot fit memcached's
 * 16 KB read buffer closes it too. A multiget line is bounded by {@code maxMultigetLine} here (memcached grows its
 * buffer without bound).
 *
 * <p>Copies: a command line is copied once into its thread's scratch array (into an array of the parser's own only
 * when its reply or data block goes on after the call), a data block once into a per-thread scratch array (when it
 * is whole in the input and at most {@link #VALUE_SCRATCH} bytes) or into an array of its own. An idle connection
 * keeps no line: its parser is a few fields.
 *
 * <p>Threading: one parser per connection, used on its loop thread only.
 */
public final class RequestParser {

    /** memcached closes a connection whose partial line passes this without a newline (try_read_command_ascii). */
    static final int MAX_PARTIAL_LINE = 2048;
    /** memcached's READ_BUFFER_SIZE: a line (with its newline) longer than this never fits its read buffer. */
    static final int READ_BUFFER_SIZE = 16384;
    /** Data blocks up to this size that arrive whole are handed over from a per-thread scratch array. */
    static final int VALUE_SCRATCH = 16384;
    /** Per thread: the value scratch and the line scratch (grown up to {@link #READ_BUFFER_SIZE}). */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** One thread's scratch arrays, shared by every parser on that thread. */
    private static final class Scratch {
        final Thread thread = Thread.currentThread();
        final byte[] value = new byte[VALUE_SCRATCH];
        byte[] line = new byte[1024];
    }

    /** Where the parser is. */
    private enum State { COMMAND, VALUE, INLINE, SWALLOW, REPLY, SUSPENDED, DONE }

    /** Why {@link #process} returned. */
    public enum Result {
        /** Everything complete was handled; a partial request (if any) waits in the input or in the parser. */
        NEED_MORE,
        /** The output is full: call again once the connection is writable. */
        PAUSED,
        /** A command went asynchronous: call {@link #resume()} then process again when its reply is written. */
        SUSPENDED,
        /** {@code quit}: flush the replies, then close. */
        QUIT,
        /** A protocol violation memcached answers by closing at once. */
        CLOSE
    }

    private final CommandSink sink;
    private final int maxMultigetLine;
    /** The scratch of the thread that called last: looked up again only when another thread calls. */
    private Scratch scratch;
    /** The input of the last {@link #process} call (the connection's, the same every time). */
    private BufferChain input;
    private State state = State.COMMAND;
    /** Bytes of the partial line already searched for a newline, so a slow line is not rescanned from the start. */
    private int scanned;
    /**
     * The current command's line: the thread's scratch array while the command is handled in one call, an array of
     * this parser's own while its reply or data block goes on after the call ({@link #line()}).
     */
    private byte[] line;
    private int lineLength;
    private boolean lineIsScratch;
    /** The data block being received: its length, and the array it accumulates in once it spans reads. */
    private int valueLength;
    private byte[] value;
    private int valuePos;
    private long swallowRemaining;
    private int inlineLength;
    /** Whether a long partial line that begins with get or gets may wait up to maxMultigetLine (not before auth). */
    private boolean longMultigets = true;
    private Result end;

    /**
     * @param sink            receives the requests
     * @param maxMultigetLine longest {@code get}/{@code gets} line accepted, newline included
     */
    public RequestParser(CommandSink sink, int maxMultigetLine) {
        this.sink = sink;
        this.maxMultigetLine = Math.max(READ_BUFFER_SIZE, maxMultigetLine);
    }

    /**
     * Whether a data block is being received or swallowed: the request has left the input but is not complete, so
     * the connection's read timeout must still see it.
     */
    public boolean isMidRequest() {
        return state == State.VALUE || state == State.SWALLOW;
    }

    /** Whether a data block is being received into its array (not swallowed). */
    boolean isReadingValue() {
        return state == State.VALUE;
    }

    /** Whether a refused command's data block is being swallowed. */
    boolean isSwallowing() {
        return state == State.SWALLOW;
    }

    /** Bytes of line this parser keeps between calls (only while a reply or a data block goes on). */
    int scratchCapacity() {
        return line == null || lineIsScratch ? 0 : line.length;
    }

    /**
     * The current command's line, {@code [0, lineLength())}: the sink reads it through here while the command's
     * reply or data block goes on over several calls (it is the same bytes, but may be another array than the one
     * {@link CommandSink#onCommandLine} was given).
     */
    byte[] line() {
        return line;
    }

    int lineLength() {
        return lineLength;
    }

    // ---------------------------------------------------------------- steering, from the sink's callbacks

    /**
     * Whether a data block of {@code length} bytes (its CRLF included), armed now by the command being handled, will
     * be handed over from the thread's scratch, with no array of its own: it is short and already whole in the
     * input. Such a value needs no charge in the store's budget for values in flight: its bytes are the input's.
     */
    boolean valueArrivesWhole(long length) {
        return input != null && fitsScratch(input, length);
    }

    /** Whether a data block of {@code length} bytes is short enough for the scratch and whole in {@code in}. */
    private static boolean fitsScratch(BufferChain in, long length) {
        return length <= VALUE_SCRATCH && in.readableBytes() >= length;
    }

    /**
     * The current command has a data block of {@code length} bytes (its CRLF included; the caller has admitted it
     * and charged it to the store's budget): read it and hand it to {@link CommandSink#onValue}.
     */
    void expectValue(int length) {
        valueLength = length;
        value = null;
        valuePos = 0;
        state = State.VALUE;
    }

    /**
     * The current command's reply is produced in steps: call {@link CommandSink#continueReply} (now, and again
     * whenever the output has room) until it reports the reply complete.
     */
    void replyInSteps() {
        state = State.REPLY;
    }

    /**
     * The current command has a short data block to be handed over whole: wait until the input holds all
     * {@code bytes} of it, then pass them to {@link CommandSink#onInlineValue}; {@code bytes <= READ_BUFFER_SIZE}.
     */
    void expectInline(int bytes) {
        if (bytes > READ_BUFFER_SIZE) {
            throw new IllegalArgumentException("inline data block of " + bytes + " bytes");
        }
        inlineLength = bytes;
        state = State.INLINE;
    }

    /**
     * Whether a partial line beginning with {@code get} or {@code gets} may grow up to the multiget limit (true, the
     * default) or is closed past 2048 bytes like any other (before authentication, as memcached does).
     */
    void allowLongMultigets(boolean allow) {
        longMultigets = allow;
    }

    /** The current command was refused: discard its {@code bytes}-byte data block as it arrives. */
    void swallow(long bytes) {
        swallowRemaining = bytes;
        state = bytes > 0 ? State.SWALLOW : State.COMMAND;
    }

    /** Stop after this command; the replies so far are flushed, then the connection closes. */
    void quit() {
        state = State.DONE;
        end = Result.QUIT;
    }

    /** Close the connection now, discarding the replies not yet written (memcached's conn_closing). */
    void abort() {
        state = State.DONE;
        end = Result.CLOSE;
    }

    /** The current command answers later: parse nothing more until {@link #resume()}. */
    void suspend() {
        state = State.SUSPENDED;
        end = Result.SUSPENDED;
    }

    /** The suspended command's reply is written: go on with the next command. */
    public void resume() {
        if (state == State.SUSPENDED) {
            state = State.COMMAND;
        }
    }

    // ---------------------------------------------------------------- the machine

    /**
     * Handles every complete request in {@code in}, consuming it; leaves a partial one.
     *
     * @param canContinue checked before each command line: false (the output is full) pauses parsing
     */
    public Result process(BufferChain in, BooleanSupplier canContinue) {
        input = in;
        while (true) {
            Result r = step(in, canContinue);
            if (r != null) {
                if (lineIsScratch && (state == State.REPLY || state == State.VALUE)) {
                    // the command goes on after this call: its line must outlive the thread's scratch
                    line = java.util.Arrays.copyOf(line, lineLength);
                    lineIsScratch = false;
                }
                return r;
            }
        }
    }

    /** Runs the current state once: its result, or null to go on with the next state. */
    private Result step(BufferChain in, BooleanSupplier canContinue) {
        return switch (state) {
            case COMMAND -> command(in, canContinue);
            case VALUE -> value(in);
            case INLINE -> inline(in);
            case SWALLOW -> swallow(in);
            case REPLY -> reply(canContinue);
            case SUSPENDED -> Result.SUSPENDED;
            case DONE -> done(in);
        };
    }

    /** COMMAND: cuts the next line out of the input and hands it over; null to go on with the next state. */
    private Result command(BufferChain in, BooleanSupplier canContinue) {
        int readable = (int) Math.min(in.readableBytes(), Integer.MAX_VALUE);
        if (readable == 0) {
            return Result.NEED_MORE;
        }
        if (!canContinue.getAsBoolean()) {
            return Result.PAUSED;
        }
        int lf = in.indexOf((byte) '\n', scanned, readable);
        if (lf < 0) {
            scanned = readable;
            if (readable > MAX_PARTIAL_LINE
                    && (!longMultigets || !startsMultiget(in) || readable >= maxMultigetLine)) {
                abort();
                return finish();
            }
            return Result.NEED_MORE;
        }
        scanned = 0;
        if (lf >= READ_BUFFER_SIZE && (!longMultigets || !startsMultiget(in) || lf >= maxMultigetLine)) {
            abort();
            return finish();
        }
        int length = lf > 1 && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        byte[] buf = scratchLine(length);
        in.copy(0, buf, 0, length);
        in.skip(lf + 1);
        for (int i = 0; i < length; i++) {
            if (buf[i] == 0) {
                length = i; // memcached parses the line as a C string
                break;
            }
        }
        line = buf;
        lineLength = length;
        sink.onCommandLine(this, buf, length);
        return end != null ? finish() : null;
    }

    /**
     * VALUE: a data block that is whole in the input (the common case) is handed over from a scratch array of this
     * thread's, without allocating; one that spans reads is copied into an array of its own as it arrives.
     */
    private Result value(BufferChain in) {
        int n = valueLength;
        if (value == null && fitsScratch(in, n)) {
            byte[] scratch = scratch().value;
            in.read(scratch, 0, n);
            state = State.COMMAND;
            sink.onValue(this, scratch, n);
            return end != null ? finish() : null;
        }
        if (value == null) {
            value = new byte[n];
        }
        int take = (int) Math.min(in.readableBytes(), n - valuePos);
        in.read(value, valuePos, take);
        valuePos += take;
        if (valuePos < n) {
            return Result.NEED_MORE;
        }
        byte[] data = value;
        value = null;
        state = State.COMMAND;
        sink.onValue(this, data, n);
        dropOwnLine();
        return end != null ? finish() : null;
    }

    /** INLINE: waits until the short data block is whole in the input, then hands it over without allocating it. */
    private Result inline(BufferChain in) {
        int n = inlineLength;
        if (in.readableBytes() < n) {
            return Result.NEED_MORE;
        }
        byte[] buf = scratchLine(n);
        in.read(buf, 0, n);
        state = State.COMMAND;
        sink.onInlineValue(this, buf, n);
        return end != null ? finish() : null;
    }

    /** SWALLOW: discards the refused command's data block as it arrives (memcached's conn_swallow). */
    private Result swallow(BufferChain in) {
        int n = (int) Math.min(in.readableBytes(), swallowRemaining);
        in.skip(n);
        swallowRemaining -= n;
        if (swallowRemaining > 0) {
            return Result.NEED_MORE;
        }
        state = State.COMMAND;
        return null;
    }

    /** REPLY: has the sink produce more of a long reply while the output has room. */
    private Result reply(BooleanSupplier canContinue) {
        if (!canContinue.getAsBoolean() || !sink.continueReply(this, canContinue)) {
            return Result.PAUSED;
        }
        state = State.COMMAND;
        dropOwnLine();
        return null;
    }

    /** DONE: after quit or a fatal error, everything that arrives is ignored. */
    private Result done(BufferChain in) {
        in.skip(in.readableBytes());
        return end == null ? Result.CLOSE : end;
    }

    /** The calling thread's scratch, looked up in the thread-local only when the thread changed. */
    private Scratch scratch() {
        Scratch s = scratch;
        if (s == null || s.thread != Thread.currentThread()) {
            s = SCRATCH.get();
            scratch = s;
        }
        return s;
    }

    /**
     * The thread's line scratch, grown to {@code length} up to {@link #READ_BUFFER_SIZE}; a longer line (a long
     * multiget) gets an array for this command alone, so no thread keeps its size.
     */
    private byte[] scratchLine(int length) {
        Scratch holder = scratch();
        byte[] buf = holder.line;
        if (buf.length < length) {
            if (length > READ_BUFFER_SIZE) {
                lineIsScratch = false;
                return new byte[length];
            }
            buf = new byte[Math.max(length, Math.min(2 * buf.length, READ_BUFFER_SIZE))];
            holder.line = buf;
        }
        lineIsScratch = true;
        return buf;
    }

    /** The command that needed its line after its call is done: an idle parser keeps no line. */
    private void dropOwnLine() {
        if (!lineIsScratch) {
            line = null;
            lineLength = 0;
        }
    }

    private Result finish() {
        Result r = end;
        if (r == Result.SUSPENDED) {
            end = null;
        }
        return r;
    }

    /**
     * memcached's exemption for long lines: leading spaces (at most 100) then {@code "get "} or {@code "gets "}.
     */
    private static boolean startsMultiget(BufferChain in) {
        long readable = in.readableBytes();
        int i = 0;
        while (i < readable && in.getByte(i) == ' ') {
            i++;
        }
        if (i > 100) {
            return false;
        }
        return matches(in, i, "get ") || matches(in, i, "gets ");
    }

    private static boolean matches(BufferChain in, int at, String text) {
        if (in.readableBytes() - at < text.length()) {
            return false;
        }
        for (int k = 0; k < text.length(); k++) {
            if (in.getByte(at + k) != text.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
