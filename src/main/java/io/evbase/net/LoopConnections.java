package io.evbase.net;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.loop.IoRegistration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connections one loop owns: the open ones, a free list of recycled connection objects and the loop's buffer
 * cache. The sockets handed over by the acceptor and not yet opened are counted by the loop itself
 * ({@link EventBase#pendingHandOffs()}), where the dispatch policy sees them.
 *
 * <p>Threading: {@link #openCount()}, {@link #pendingHandOffs()} and the byte counts are thread-safe (readers call
 * them); everything else runs on the loop thread.
 */
final class LoopConnections {

    private static final Logger LOG = Logger.getLogger(LoopConnections.class.getName());
    private static final int MAX_FREE = 1024;

    private final EventBase loop;
    private final BufferPool.Cache bufferCache;
    private final AtomicLong ids;
    private final ArrayList<Connection> open = new ArrayList<>();
    private final ArrayDeque<Connection> free = new ArrayDeque<>();
    private volatile int openCount;
    /** Written by the loop only, read by anyone. */
    private volatile long inputBytes;
    private volatile long outputBytes;
    private boolean draining;
    private volatile long reused;

    LoopConnections(EventBase loop, BufferPool pool, AtomicLong ids) {
        this.loop = loop;
        this.bufferCache = pool.newCache(loop.name());
        this.ids = ids;
    }

    EventBase loop() {
        return loop;
    }

    BufferPool.Cache bufferCache() {
        return bufferCache;
    }

    int openCount() {
        return openCount;
    }

    /** Connections opened on a recycled object rather than a new one. */
    long reused() {
        return reused;
    }

    /** Sockets handed to this loop and not yet opened ({@link EventBase#pendingHandOffs()}). */
    int pendingHandOffs() {
        return loop.pendingHandOffs();
    }

    /**
     * Opens a socket the acceptor handed over (after {@link EventBase#tryReserveHandOff}), and gives the hand-off
     * place back once the socket is registered or given up. What can fail (socket options,
     * the peer's address, the registration) is done before the connection exists: a socket that fails there (its
     * peer reset it meanwhile) was never opened, so no handler callback runs for it; it is closed, counted closed
     * {@code reset}, and its listener place is released.
     */
    void open(SocketChannel socket, BoundListener listener) {
        Connection c = free.pollFirst();
        boolean recycled = c != null;
        if (c == null) {
            c = new Connection(this);
        }
        InetSocketAddress peer;
        IoRegistration registration;
        try {
            socket.configureBlocking(false);
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            peer = (InetSocketAddress) socket.getRemoteAddress();
            registration = loop.register(socket, SelectionKey.OP_READ, c);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "socket died before it was registered", e);
            try {
                socket.close();
            } catch (IOException again) {
                LOG.log(Level.FINE, "closing a socket that died", again);
            }
            listener.countClose(CloseReason.RESET);
            if (free.size() < MAX_FREE) {
                free.addFirst(c); // never used: no peer state to clear
            }
            loop.handOffDone();
            return;
        }
        loop.handOffDone(); // registered: counted in registeredChannels from now on
        if (recycled) {
            reused = reused + 1;
        }
        c.slot = open.size();
        open.add(c);
        openCount = open.size();
        c.open(ids.incrementAndGet(), socket, registration, peer, listener);
        if (draining) {
            c.beginDrain();
        }
    }

    /** A connection closed: drop it from the open list and keep the object for reuse. */
    void closed(Connection c) {
        int i = c.slot;
        Connection last = open.remove(open.size() - 1);
        if (last != c) {
            open.set(i, last);
            last.slot = i;
        }
        c.slot = -1;
        openCount = open.size();
        // Recycled in a later task: the closed object may still be on the stack of the callback that closed it.
        loop.execute(() -> {
            c.recycle();
            if (free.size() < MAX_FREE) {
                free.addLast(c);
            }
        });
    }

    void beginDrain() {
        draining = true;
        for (Connection c : new ArrayList<>(open)) {
            c.beginDrain();
        }
    }

    void closeAll(CloseReason reason) {
        for (Connection c : new ArrayList<>(open)) {
            c.closeNow(reason);
        }
    }

    /** Releases the loop's buffer cache; the loop is done. */
    void release() {
        bufferCache.drain();
    }

    List<ConnectionInfo> snapshot() {
        long now = System.nanoTime();
        List<ConnectionInfo> list = new ArrayList<>(open.size());
        for (Connection c : open) {
            String state = c.isDraining() && c.isOpen() ? "draining" : c.state().name().toLowerCase(java.util.Locale.ROOT);
            String peer = c.remoteAddress() == null ? "" : c.remoteAddress().getAddress().getHostAddress() + ":"
                    + c.remoteAddress().getPort();
            list.add(new ConnectionInfo(c.id(), c.listenerName(), loop.id(), peer,
                    Duration.ofNanos(now - c.openedNanos()), Duration.ofNanos(now - c.lastActivityNanos()), state,
                    c.input().readableBytes(), c.output().readableBytes(), c.bytesRead(), c.bytesWritten()));
        }
        return list;
    }

    /** Bytes held in this loop's connections' input chains, as of their last callbacks. Thread-safe. */
    long inputBytes() {
        return inputBytes;
    }

    /** Bytes queued in this loop's connections' output chains, as of their last callbacks. Thread-safe. */
    long outputBytes() {
        return outputBytes;
    }

    void addBuffered(long inputDelta, long outputDelta) {
        inputBytes = inputBytes + inputDelta;
        outputBytes = outputBytes + outputDelta;
    }
}
