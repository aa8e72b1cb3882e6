package io.evbase.loop;

import java.io.IOException;

/**
 * What a channel registered with an {@link EventBase} calls back into: the owner of an {@link IoRegistration}
 * (Netty 4.2 calls it an {@code IoHandle}; a connection, on a worker loop).
 *
 * <p>Threading: every method runs on the owning loop's thread only.
 */
public interface IoHandle {

    /** The channel is ready for the operations in {@code readyOps} ({@link java.nio.channels.SelectionKey} bits). */
    void handleIo(int readyOps) throws IOException;

    /**
     * {@link #handleIo} threw. The handler must release its channel (a connection aborts); the loop goes on with
     * its other channels.
     */
    void handleFailure(Throwable cause);

    /**
     * The loop could not keep the registration: a selector rebuild could not move it to the new selector (its
     * channel was closed behind the loop's back). The registration is void and the channel will never be reported
     * ready again; the owner must release it (a connection closes, counted {@code reset}).
     */
    void registrationLost(Throwable cause);
}
