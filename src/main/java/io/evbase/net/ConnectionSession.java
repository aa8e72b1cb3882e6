package io.evbase.net;

import io.evbase.buffer.BufferChain;

/**
 * The callbacks a {@link Connection} makes into the per-connection state of its protocol, libevent's bufferevent
 * read, write and event callbacks. This is the minimal contract, without defaults; protocols implement its
 * documented sub-interface {@code io.evbase.protocol.Session}, which gives every callback but {@link #onRead} a
 * default and says what each must do.
 *
 * <p>Threading: every callback runs on the connection's loop thread, one at a time; none may block.
 */
public interface ConnectionSession {

    /** New bytes are in {@link Connection#input()}, or serving may go on after a pause. */
    void onRead() throws Exception;

    /** The queued output crossed the write high watermark ({@code false}) or fell to the low one ({@code true}). */
    void onWritabilityChanged(boolean writable) throws Exception;

    /**
     * The peer will send nothing more; what it sent is already handed to {@link #onRead}. Asked again, while the
     * connection stays open, each time the last outstanding reply has been written.
     *
     * @return true to finish: answer everything received, then close; false to keep the connection open
     */
    boolean onInputClosed() throws Exception;

    /** The server began to shut down: the connection answers what it received, reads nothing new, then closes. */
    void onDrainBegun() throws Exception;

    /**
     * A reply promised with {@link Connection#replyLater()} failed (its blocking work or future completed
     * exceptionally). {@code out} holds the reply's place in request order.
     */
    void onReplyFailed(Throwable cause, BufferChain out) throws Exception;

    /** The connection is closed; its buffers are released after this returns. Must not throw. */
    void onClose(CloseReason reason);
}
