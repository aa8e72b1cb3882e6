package io.evbase.net;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reply promised with {@link Connection#replyLater()}: its place in the connection's reply order is reserved, and
 * it is written there when it is settled, from any thread. Replies to pipelined requests therefore reach the peer
 * in request order, whichever finishes first.
 *
 * <p>A reply is settled once, by {@link #complete} or {@link #fail}. While it is pending it counts against the
 * listener's {@code max-requests-in-flight}, it keeps a drain or a graceful close waiting (within their deadlines),
 * and the idle timeout does not run.
 *
 * <p>Threading: thread-safe. The writer given to {@link #complete} runs on the connection's loop thread.
 */
public final class Reply {

    private final ConnectionHandle handle;
    private final ReplyQueue.Slot slot;
    private final AtomicBoolean settled = new AtomicBoolean();

    Reply(ConnectionHandle handle, ReplyQueue.Slot slot) {
        this.handle = handle;
        this.slot = slot;
    }

    /**
     * Writes the reply for {@code value} in its place: {@code writer} runs on the connection's loop (at once when
     * called there from the connection's own callback, else in a posted task).
     *
     * @return false if the connection is gone (closed, or its loop stopped): the reply has nobody to go to
     * @throws IllegalStateException if the reply was settled before
     */
    public <T> boolean complete(T value, ReplyWriter<? super T> writer) {
        settle();
        return handle.settle(slot, value, writer, null);
    }

    /** Writes {@code bytes} as the reply. See {@link #complete(Object, ReplyWriter)}. */
    public boolean complete(byte[] bytes) {
        return complete(bytes, (b, out) -> out.write(b));
    }

    /** Writes {@code text} as the reply, in UTF-8. See {@link #complete(Object, ReplyWriter)}. */
    public boolean complete(String text) {
        return complete(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The work behind the reply failed: the session's {@code onReplyFailed} gets {@code cause} and the reply's place
     * (to write an error reply there, or close). Never reaches the loop as an exception.
     *
     * @return false if the connection is gone
     * @throws IllegalStateException if the reply was settled before
     */
    public boolean fail(Throwable cause) {
        settle();
        return handle.settle(slot, null, null, cause);
    }

    /**
     * Settles this reply when {@code result} completes: {@link #complete} with {@code writer}, or {@link #fail} with
     * the failure (unwrapped from a {@code CompletionException}). Returns at once.
     */
    public <T> void completeWhen(CompletionStage<? extends T> result, ReplyWriter<? super T> writer) {
        result.whenComplete((value, error) -> {
            if (error != null) {
                fail(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else {
                complete(value, writer);
            }
        });
    }

    /**
     * Runs {@code work} on {@code executor} and settles this reply with its result, or fails it with what it throws
     * (a refused task included). Returns at once.
     */
    public <T> void completeBlocking(Executor executor, Callable<? extends T> work, ReplyWriter<? super T> writer) {
        try {
            executor.execute(() -> {
                T value;
                try {
                    value = work.call();
                } catch (Throwable t) {
                    fail(t);
                    return;
                }
                complete(value, writer);
            });
        } catch (RejectedExecutionException e) {
            fail(e);
        }
    }

    /** True once {@link #complete} or {@link #fail} was called. */
    public boolean isSettled() {
        return settled.get();
    }

    private void settle() {
        if (!settled.compareAndSet(false, true)) {
            throw new IllegalStateException("reply already settled");
        }
    }
}
