package io.evbase.net;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link Connection} in one life: posts work to its loop and runs it only if the connection is still that same
 * connection and still serving ({@link ConnectionState#OPEN}, {@code DRAINING} or {@code FLUSHING}). Connection
 * objects are recycled; a handle of the old peer never reaches the new one.
 *
 * <p>A task for a loop that has stopped is refused by the loop; every connection it owned is closed by then, so the
 * handle reports the work as undeliverable ({@code false}) rather than dropping it without a word.
 *
 * <p>Threading: thread-safe; what a handler gives to other threads.
 */
public final class ConnectionHandle {

    private static final Logger LOG = Logger.getLogger(ConnectionHandle.class.getName());

    private final Connection connection;
    private final long generation;

    ConnectionHandle(Connection connection, long generation) {
        this.connection = connection;
        this.generation = generation;
    }

    public io.evbase.loop.EventBase loop() {
        return connection.loop();
    }

    /**
     * Runs {@code action} on the connection's loop if the connection is still this life and serving, then flushes
     * what it wrote. Returns at once. To answer a request later in request order, use a {@link Reply} instead.
     *
     * @return false if the connection is known to be gone: closed, or its loop stopped and refused the task
     */
    public boolean execute(Consumer<Connection> action) {
        Connection c = connection;
        return post(() -> {
            try {
                action.accept(c);
            } catch (Throwable t) {
                c.fail(t);
                return;
            }
            c.flush();
        });
    }

    /** Settles a promised reply: at once inside this connection's own callback, else through a posted task. */
    <T> boolean settle(ReplyQueue.Slot slot, T value, ReplyWriter<? super T> writer, Throwable failure) {
        Connection c = connection;
        if (c.loop().inLoop() && c.inCallback() && c.takesReplies(generation)) {
            c.fill(slot, value, writer, failure); // the callback's end flushes it
            return true;
        }
        return post(() -> {
            c.fill(slot, value, writer, failure);
            c.flush();
        });
    }

    /** Runs {@code task} on the loop if this life still takes replies when it runs. */
    private boolean post(Runnable task) {
        Connection c = connection;
        if (!c.takesReplies(generation)) {
            return false;
        }
        try {
            c.loop().execute(() -> {
                if (c.takesReplies(generation)) {
                    task.run();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            // The loop has stopped: the connections it owned are closed, and this result has nobody to go to.
            LOG.log(Level.FINE, "loop " + c.loop().name() + " stopped; a result for connection " + c.id()
                    + " is undeliverable", e);
            return false;
        }
    }
}
