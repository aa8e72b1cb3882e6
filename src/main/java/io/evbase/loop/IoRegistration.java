package io.evbase.loop;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A channel registered with an {@link EventBase}: what {@link EventBase#register} hands out instead of a
 * {@link SelectionKey}, after Netty 4.2's {@code IoRegistration} and redis's {@code aeCreateFileEvent} /
 * {@code aeDeleteFileEvent}. The owner says which events it wants ({@link #interestOps(int)}, {@link #addInterest},
 * {@link #removeInterest}) and gives the registration back with {@link #cancel()}; the key underneath is the loop's.
 *
 * <p>The object lives as long as the registration: when the loop replaces its selector (the epoll spin workaround)
 * it moves every registration to the new selector behind the same object, so owners never look anything up again.
 * A registration the loop cannot move (its channel was closed behind the loop's back) is void from then on, and the
 * loop tells the owner through {@link IoHandle#registrationLost}.
 *
 * <p>Threading: loop thread only, like everything a callback does with the selector.
 */
public final class IoRegistration {

    private final EventBase loop;
    private final SelectableChannel channel;
    private final IoHandle handle;
    private SelectionKey key;
    private int interestOps;
    private boolean valid = true;
    /** Where the loop keeps this registration in its list, for O(1) removal. */
    int slot = -1;

    IoRegistration(EventBase loop, SelectableChannel channel, int interestOps, IoHandle handle) {
        this.loop = loop;
        this.channel = channel;
        this.interestOps = interestOps;
        this.handle = handle;
    }

    /** Registers with {@code selector}: first registration, or a move to a rebuilt selector. */
    void registerWith(Selector selector) throws IOException {
        if (key != null) {
            key.cancel();
        }
        key = channel.register(selector, interestOps, this);
    }

    public EventBase loop() {
        return loop;
    }

    public SelectableChannel channel() {
        return channel;
    }

    public IoHandle handle() {
        return handle;
    }

    /** The events the owner asked for ({@link SelectionKey} bits). */
    public int interestOps() {
        return interestOps;
    }

    /**
     * Asks for exactly {@code ops} from now on. A no-op once the registration is cancelled or lost; a channel closed
     * under it keeps the new value until the owner cancels.
     */
    public void interestOps(int ops) {
        if (ops == interestOps) {
            return;
        }
        interestOps = ops;
        if (valid) {
            try {
                key.interestOps(ops);
            } catch (CancelledKeyException e) {
                // the channel was closed: the owner finds out from its next I/O, or from registrationLost
            }
        }
    }

    /** Adds {@code ops} to the interest set (redis's {@code aeCreateFileEvent} on a registered descriptor). */
    public void addInterest(int ops) {
        interestOps(interestOps | ops);
    }

    /** Removes {@code ops} from the interest set (redis's {@code aeDeleteFileEvent}). */
    public void removeInterest(int ops) {
        interestOps(interestOps & ~ops);
    }

    /** True until {@link #cancel()} or a loss, and while the channel is open. */
    public boolean isValid() {
        return valid && key.isValid();
    }

    /** Ends the registration: the loop forgets the channel (it is not closed). Idempotent. */
    public void cancel() {
        if (valid) {
            valid = false;
            key.cancel();
            loop.unregister(this);
        }
    }

    /** The loop could not keep it: void from now on; the loop tells the owner. */
    void lose() {
        if (valid) {
            valid = false;
            if (key != null) {
                key.cancel();
            }
            loop.unregister(this);
        }
    }

    @Override
    public String toString() {
        return "IoRegistration[" + channel + " on " + loop.name() + (valid ? "" : " void") + "]";
    }
}
