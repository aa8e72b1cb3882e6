package io.evbase.protocol;

import io.evbase.buffer.BufferChain;
import io.evbase.net.CloseReason;
import io.evbase.net.Connection;
import io.evbase.net.ConnectionSession;

/**
 * One connection's protocol state and the callbacks its connection makes, opened by a {@link ProtocolHandler}. Only
 * {@link #onRead()} must be written; every other callback has a default that keeps evbase's promises (every request
 * received is answered before a close, nothing blocks a loop).
 *
 * <h2>Serving requests</h2>
 * In {@link #onRead()}, consume each complete request from {@link Connection#input()}, leave a partial one there
 * (the next read continues it), and answer:
 * <ul>
 *   <li><b>at once</b>: write the reply to {@link Connection#output()}; the connection flushes after the callback,
 *       so replies to pipelined requests go out in one gathering write;</li>
 *   <li><b>later</b>: {@link Connection#replyBlocking} runs blocking work off the loop (virtual threads where the JVM
 *       has them), {@link Connection#replyWhen} waits for a {@code CompletionStage}, {@link Connection#replyLater}
 *       hands out a {@link io.evbase.net.Reply} to settle from any thread. The reply keeps its place: what is
 *       written after it, at once or later, reaches the peer after it.</li>
 * </ul>
 * Stop consuming while {@link Connection#isWritable()} is false (the peer does not read fast enough, or the
 * listener's {@code max-requests-in-flight} replies are pending); {@code onRead} is called again once it is true.
 *
 * <h2>The end of a connection</h2>
 * <ul>
 *   <li>The peer half-closes: {@link #onInputClosed()}; by default every request received is answered, then the
 *       connection closes.</li>
 *   <li>The server shuts down: {@link #onDrainBegun()}; the connection answers what it received before, pending
 *       replies included, within {@code evbase.shutdown.drain-timeout}, then closes.</li>
 *   <li>{@link Connection#close()} closes after every reply so far is written; {@link Connection#abort()} at once.</li>
 *   <li>In every case {@link #onClose(CloseReason)} comes last.</li>
 * </ul>
 *
 * <p>Threading: every callback runs on the connection's loop thread, one at a time, so a session needs no locks for
 * its own state. No callback may block (sleep, wait on I/O or a lock): hand blocking work to
 * {@link Connection#replyBlocking}. A callback that throws closes this connection alone (counted
 * {@code handler_error}, stack logged).
 */
@FunctionalInterface
public interface Session extends ConnectionSession {

    /**
     * New bytes are in the input, or the connection can take requests again after a pause. Consume every complete
     * request while {@link Connection#isWritable()}, leave a partial one in the input, and reply (see above).
     */
    @Override
    void onRead() throws Exception;

    /**
     * The queued output crossed the write high watermark ({@code false}: stop producing) or fell back to the low one
     * ({@code true}); {@link #onRead()} follows when input is waiting. Default: nothing.
     */
    @Override
    default void onWritabilityChanged(boolean writable) throws Exception {
    }

    /**
     * The peer closed its sending side (a half-close, as {@code socat} or {@code shutdown(SHUT_WR)} do): nothing
     * more will arrive, and what it sent is in the input or already handed to {@link #onRead()}.
     *
     * <p>Return true (the default) to finish: every request received is still served and answered (replies in
     * flight off the loop included), then the connection closes. Return false to keep it open (a protocol that
     * still has things to say): the connection asks again each time its last outstanding reply has been written,
     * so it cannot be forgotten open. To drop what is still unanswered instead, call {@link Connection#abort()}.
     */
    @Override
    default boolean onInputClosed() throws Exception {
        return true;
    }

    /**
     * The server began to shut down (SIGTERM): the connection reads what the peer had sent by now, answers it
     * (pending replies included) and closes; bytes sent after this are not read. Default: nothing; a protocol may
     * warn its peer here.
     */
    @Override
    default void onDrainBegun() throws Exception {
    }

    /**
     * The work behind a reply promised with {@link Connection#replyBlocking}, {@link Connection#replyWhen} or
     * {@link Connection#replyLater} failed with {@code cause}. Write an error reply to {@code out}, which holds that
     * reply's place in request order, and the connection goes on. Default: rethrow, which closes the connection
     * (counted {@code handler_error}, stack logged): a protocol without error replies cannot skip an answer.
     */
    @Override
    default void onReplyFailed(Throwable cause, BufferChain out) throws Exception {
        if (cause instanceof Exception e) {
            throw e;
        }
        throw new IllegalStateException("reply failed", cause);
    }

    /**
     * The connection is closed, for {@code reason}; release what the session holds. Its buffers are released after
     * this returns. Must not throw. Default: nothing.
     */
    @Override
    default void onClose(CloseReason reason) {
    }
}
