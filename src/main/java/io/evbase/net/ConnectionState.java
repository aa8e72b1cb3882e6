package io.evbase.net;

/**
 * The life of a {@link Connection}, in one direction: {@code OPEN} → ({@code DRAINING}) → ({@code FLUSHING}) →
 * ({@code LINGERING}) → {@code CLOSED}; an abort, a reset or a failing callback jumps straight to the end.
 *
 * <p>Threading: a value; a connection's current state is written by its loop and readable from any thread.
 */
public enum ConnectionState {
    /** Reading and serving. */
    OPEN,
    /**
     * Finishing: answers what it received (what the socket held when the server's drain began, or everything before
     * the peer's half-close), reads nothing newer, then closes gracefully.
     */
    DRAINING,
    /** Closing gracefully: no more reading or serving; waits for pending replies and queued output to go out. */
    FLUSHING,
    /** Output shut down after a graceful close; reading and discarding until the peer's FIN or a deadline. */
    LINGERING,
    /** Closed, or not opened yet (a recycled object). */
    CLOSED
}
