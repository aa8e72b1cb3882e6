package io.evbase.protocol.memcache;

/**
 * What the {@link RequestParser} hands complete requests to. From inside a callback the sink steers the parser:
 * {@link RequestParser#expectValue}, {@link RequestParser#swallow}, {@link RequestParser#replyInSteps},
 * {@link RequestParser#quit}, {@link RequestParser#abort} or {@link RequestParser#suspend}.
 *
 * <p>Threading: called on the connection's loop thread only.
 */
interface CommandSink {

    /**
     * One command line, without its terminator, cut at its first NUL byte (memcached parses C strings).
     * {@code line} is the parser's scratch array: valid only during the call.
     */
    void onCommandLine(RequestParser parser, byte[] line, int length);

    /**
     * The data block asked for with {@link RequestParser#expectValue}, complete, its two trailing bytes included:
     * {@code data[0, length)}, which may be the parser's scratch, valid only during the call.
     */
    void onValue(RequestParser parser, byte[] data, int length);

    /**
     * The short data block asked for with {@link RequestParser#expectInline}, whole, its two trailing bytes
     * included: {@code data[0, length)}, the parser's scratch, valid only during the call.
     */
    default void onInlineValue(RequestParser parser, byte[] data, int length) {
    }

    /**
     * Produces more of the reply announced with {@link RequestParser#replyInSteps}, stopping once
     * {@code canContinue} turns false (the output is full). Returns true when the reply is complete.
     */
    default boolean continueReply(RequestParser parser, java.util.function.BooleanSupplier canContinue) {
        return true;
    }
}
