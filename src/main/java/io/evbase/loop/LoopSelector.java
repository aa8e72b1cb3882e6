package io.evbase.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The selector of one {@link EventBase} and the {@link IoRegistration}s on it: the part of the loop that talks to
 * java.nio (Netty 4.2 keeps it apart from the loop the same way, as its {@code NioIoHandler}). It registers
 * channels, selects, and rebuilds the selector, moving every registration to the new one behind the same object.
 *
 * <p>Threading: loop thread only, except {@link #wakeup()} and the two counts, which any thread may call.
 */
final class LoopSelector {

    private static final Logger LOG = Logger.getLogger(EventBase.class.getName());

    private final EventBase loop;
    /** Every live registration, for moving them on a rebuild; each knows its slot. */
    private final ArrayList<IoRegistration> registrations = new ArrayList<>();
    private volatile Selector selector;
    private volatile int registered;
    private volatile long rebuilds;

    LoopSelector(EventBase loop) {
        this.loop = loop;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    /** Live registrations. Thread-safe. */
    int registered() {
        return registered;
    }

    /** Rebuilds so far. Thread-safe. */
    long rebuilds() {
        return rebuilds;
    }

    IoRegistration register(SelectableChannel channel, int ops, IoHandle handle) throws ClosedChannelException {
        IoRegistration registration = new IoRegistration(loop, channel, ops, handle);
        try {
            registration.registerWith(selector);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) { // register declares ClosedChannelException only; registerWith is shared with moves
            throw new IllegalStateException(e);
        }
        registration.slot = registrations.size();
        registrations.add(registration);
        registered = registrations.size();
        return registration;
    }

    /** Forgets a cancelled or lost registration. */
    void unregister(IoRegistration registration) {
        int i = registration.slot;
        IoRegistration last = registrations.remove(registrations.size() - 1);
        if (last != registration) {
            registrations.set(i, last);
            last.slot = i;
        }
        registration.slot = -1;
        registered = registrations.size();
    }

    int select(Consumer<SelectionKey> onReady, long timeoutMillis) throws IOException {
        return selector.select(onReady, timeoutMillis);
    }

    int selectNow(Consumer<SelectionKey> onReady) throws IOException {
        return selector.selectNow(onReady);
    }

    /** Makes a blocked or the next select return at once. Thread-safe; harmless on a closed selector. */
    void wakeup() {
        selector.wakeup();
    }

    void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
    }

    /**
     * Replaces the selector and moves every registration to the new one. A registration that cannot move (its
     * channel was closed behind the loop's back) is void, and its owner is told once the others are in place.
     *
     * @param why for the log line
     */
    void rebuild(String why) {
        Selector fresh;
        try {
            fresh = Selector.open();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot open a selector to replace the one of " + loop.name(), e);
            return;
        }
        List<IoRegistration> lost = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        for (IoRegistration registration : registrations) {
            try {
                registration.registerWith(fresh);
            } catch (IOException | RuntimeException e) { // closed channel, cancelled key, blocking mode
                lost.add(registration);
                causes.add(e);
            }
        }
        close();
        selector = fresh;
        rebuilds = rebuilds + 1;
        LOG.warning("rebuilt the selector of " + loop.name() + " (" + why + "): moved "
                + (registrations.size() - lost.size()) + " channels"
                + (lost.isEmpty() ? "" : ", lost " + lost.size() + " whose owners are told"));
        for (int i = 0; i < lost.size(); i++) {
            IoRegistration registration = lost.get(i);
            registration.lose();
            try {
                registration.handle().registrationLost(causes.get(i));
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "registrationLost threw on " + loop.name(), t);
            }
        }
    }
}
