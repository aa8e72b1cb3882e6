package io.evbase.net;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.loop.IoRegistration;
import io.evbase.loop.Scheduled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    /** How often a loop with connections waiting for memory looks whether the pool has some again. */
    static final long MEMORY_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

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
    /** Connections that paused reading because the pool was at its read budget; resumed when memory comes back. */
    private final LinkedHashSet<Connection> waitingForMemory = new LinkedHashSet<>();
    /** The pool's memory generation when the waiting began ({@link BufferPool.Cache#memoryGeneration()}). */
    private long memorySeen;
    private Scheduled memoryCheck;

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

    /**
     * {@code c} could not read: the pool is at its read budget. It is resumed (told to read again) once memory was
     * given back anywhere this loop can take it; the loop looks every {@link #MEMORY_CHECK_NANOS} while any
     * connection waits, and never waits for memory itself.
     */
    void waitForMemory(Connection c) {
        if (waitingForMemory.isEmpty()) {
            memorySeen = bufferCache.memoryGeneration();
        }
        waitingForMemory.add(c);
        if (memoryCheck == null) {
            memoryCheck = loop.schedule(this::checkMemory, MEMORY_CHECK_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void checkMemory() {
        memoryCheck = null;
        waitingForMemory.removeIf(c -> !c.waitsForMemory()); // closed (and maybe recycled) since
        if (waitingForMemory.isEmpty()) {
            return;
        }
        if (bufferCache.memoryGeneration() == memorySeen) {
            memoryCheck = loop.schedule(this::checkMemory, MEMORY_CHECK_NANOS, TimeUnit.NANOSECONDS);
            return;
        }
        List<Connection> resumed = new ArrayList<>(waitingForMemory);
        waitingForMemory.clear();
        for (Connection c : resumed) {
            c.memoryReturned(); // one that cannot get memory yet waits again
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
            String state = c.state().name().toLowerCase(java.util.Locale.ROOT);
            String peer = c.remoteAddress() == null ? "" : c.remoteAddress().getAddress().getHostAddress() + ":"
                    + c.remoteAddress().getPort();
            list.add(new ConnectionInfo(c.id(), c.listenerName(), loop.id(), peer,
                    Duration.ofNanos(now - c.openedNanos()), Duration.ofNanos(now - c.lastActivityNanos()), state,
                    c.input().readableBytes(), c.queuedBytes(), c.bytesRead(), c.bytesWritten()));
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
