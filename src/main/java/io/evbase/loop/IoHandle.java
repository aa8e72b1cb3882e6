package io.evbase.loop;

import java.io.IOException;

/**
 * What a channel registered with an {@link EventBase} calls back into when the selector reports it ready.
 *
 * <p>Threading: both methods run on the owning loop's thread only.
 */
public interface IoHandle {

    /** The channel is ready for the operations in {@code readyOps} ({@link java.nio.channels.SelectionKey} bits). */
    void handleIo(int readyOps) throws IOException;

    /**
     * {@link #handleIo} threw. The handler must release its channel (a connection aborts); the loop goes on with
     * its other channels.
     */
    void handleFailure(Throwable cause);
}
