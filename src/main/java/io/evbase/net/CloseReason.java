package io.evbase.net;

/**
 * Why a connection closed; a tag on the close counters.
 *
 * <p>Threading: immutable; any thread.
 */
public enum CloseReason {
    /** The handler or the server closed it after flushing its output. */
    NORMAL,
    /** The peer closed its side and the handler finished. */
    PEER_CLOSED,
    /** The peer reset the connection or an I/O error occurred. */
    RESET,
    /** No byte moved in either direction for the idle timeout. */
    IDLE_TIMEOUT,
    /** A request stayed incomplete for longer than the read timeout. */
    READ_TIMEOUT,
    /** Queued output made no progress for the write timeout. */
    WRITE_TIMEOUT,
    /** A handler callback threw. */
    HANDLER_ERROR,
    /** The handler or the server aborted it without flushing. */
    ABORTED,
    /** The server shut down before the connection finished draining. */
    SHUTDOWN,
    /**
     * A reply needed memory and the buffer pool was at its budget: closed at once, its queued output dropped, so
     * that the memory it held goes to the connections that can still be served.
     */
    NO_MEMORY,
    /**
     * The TLS layer ended it: a handshake that failed or ran out of time, a plaintext client on a TLS listener, a
     * refused renegotiation, a broken record. Why is counted by the listener's TLS counters.
     */
    TLS;

    /** Lower-case tag value, e.g. {@code idle_timeout}. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
