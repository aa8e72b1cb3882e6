package io.evbase.net;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The assembled server: worker loops, the buffer pool, the acceptor and its listeners, and the connections each
 * loop owns. Starts in one call and stops with a drain: stop accepting, let open connections answer what they
 * received, close the rest at the deadline.
 *
 * <p>Threading: thread-safe. {@link #start()} and {@link #shutdown} are called once each, from any thread;
 * the introspection methods from any thread (they read published counters, or post to the loops and wait).
 */
public final class Server {

    private static final Logger LOG = Logger.getLogger(Server.class.getName());

    private final EventBaseGroup group;
    private final BufferPool pool;
    private final List<ListenerSpec> configs;
    private final List<LoopConnections> loops = new ArrayList<>();
    private final int maxPendingHandOffs;
    private final Duration acceptPause;
    private final Duration stallThreshold;
    /** Set once by {@link #start()}; volatile because the introspection methods read it from any thread. */
    private volatile Acceptor acceptor;
    private volatile boolean draining;
    private volatile boolean stopped;

    /**
     * @param group              the worker loops (not yet started)
     * @param pool               the buffer pool connections draw from
     * @param listeners          what to bind
     * @param maxPendingHandOffs sockets handed to one loop and not yet opened, at most
     * @param acceptPause        how long accepting pauses when descriptors run out
     * @param stallThreshold     a loop busy in one iteration for longer gets new connections only if no other can
     */
    public Server(EventBaseGroup group, BufferPool pool, List<ListenerSpec> listeners, int maxPendingHandOffs,
            Duration acceptPause, Duration stallThreshold) {
        this.group = group;
        this.pool = pool;
        this.configs = List.copyOf(listeners);
        this.maxPendingHandOffs = maxPendingHandOffs;
        this.acceptPause = acceptPause;
        this.stallThreshold = stallThreshold;
        AtomicLong ids = new AtomicLong();
        for (EventBase loop : group.loops()) {
            loops.add(new LoopConnections(loop, pool, ids));
        }
    }

    public Server(EventBaseGroup group, BufferPool pool, List<ListenerSpec> listeners, int maxPendingHandOffs,
            Duration acceptPause) {
        this(group, pool, listeners, maxPendingHandOffs, acceptPause, Duration.ofSeconds(2));
    }

    public Server(EventBaseGroup group, BufferPool pool, List<ListenerSpec> listeners) {
        this(group, pool, listeners, 4096, Duration.ofMillis(100));
    }

    /** Starts the loops, binds every listener and starts accepting. */
    public synchronized Server start() throws IOException {
        group.start();
        try {
            acceptor = new Acceptor(group, loops, configs, maxPendingHandOffs, acceptPause, stallThreshold);
        } catch (IOException e) {
            try {
                stopLoops(Duration.ofSeconds(5));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        acceptor.start();
        return this;
    }

    public EventBaseGroup group() {
        return group;
    }

    public BufferPool bufferPool() {
        return pool;
    }

    /** The listeners to bind, known before {@link #start()}. */
    public List<ListenerSpec> listenerConfigs() {
        return configs;
    }

    /** The bound listeners; empty until {@link #start()}. */
    public List<BoundListener> listeners() {
        Acceptor a = acceptor;
        return a == null ? List.of() : List.copyOf(a.listeners());
    }

    public BoundListener listener(String name) {
        return listeners().stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no listener " + name));
    }

    /** True while accepting is paused for descriptor exhaustion. */
    public boolean isAcceptPaused() {
        Acceptor a = acceptor;
        return a != null && a.isPaused();
    }

    public long acceptPauses() {
        Acceptor a = acceptor;
        return a == null ? 0 : a.pauses();
    }

    public boolean isDraining() {
        return draining;
    }

    public boolean isStopped() {
        return stopped;
    }

    /** Open connections on one loop. */
    public int openConnections(EventBase loop) {
        return loops.get(loop.id()).openCount();
    }

    /** Connections that were opened on a recycled connection object, over all loops. */
    public long reusedConnections() {
        return loops.stream().mapToLong(LoopConnections::reused).sum();
    }

    /** Sockets handed to one loop and not yet opened by it. */
    public int pendingHandOffs(EventBase loop) {
        return loops.get(loop.id()).pendingHandOffs();
    }

    /** Bytes held in the input buffers of one loop's connections. */
    public long inputBytes(EventBase loop) {
        return loops.get(loop.id()).inputBytes();
    }

    /** Bytes queued in the output buffers of one loop's connections. */
    public long outputBytes(EventBase loop) {
        return loops.get(loop.id()).outputBytes();
    }

    public long inputBytes() {
        return loops.stream().mapToLong(LoopConnections::inputBytes).sum();
    }

    public long outputBytes() {
        return loops.stream().mapToLong(LoopConnections::outputBytes).sum();
    }

    /** The buffer cache of one loop, for its occupancy. */
    public BufferPool.Cache bufferCache(EventBase loop) {
        return loops.get(loop.id()).bufferCache();
    }

    /**
     * Every open connection, asked of each loop on its own thread. A loop that does not answer within
     * {@code timeout} (it is stalled) is left out rather than waited for. Blocks; not for loop threads.
     */
    public List<ConnectionInfo> connections(Duration timeout) {
        try {
            return connectionsAsync(timeout).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * As {@link #connections(Duration)}, without blocking: the future completes once every loop answered or timed
     * out. Safe to call from a loop thread (a handler answering {@code stats conns}); it must then not wait on it.
     */
    public CompletableFuture<List<ConnectionInfo>> connectionsAsync(Duration timeout) {
        List<CompletableFuture<List<ConnectionInfo>>> answers = new ArrayList<>();
        for (LoopConnections lc : loops) {
            CompletableFuture<List<ConnectionInfo>> f = new CompletableFuture<>();
            if (lc.loop().isTerminated()) {
                f.complete(List.of());
            } else if (lc.loop().inLoop()) {
                f.complete(lc.snapshot());
            } else {
                try {
                    lc.loop().execute(() -> f.complete(lc.snapshot()));
                    f.completeOnTimeout(List.of(), timeout.toNanos(), TimeUnit.NANOSECONDS); // a stalled loop
                } catch (RejectedExecutionException stopped) {
                    f.complete(List.of());
                }
            }
            answers.add(f);
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<ConnectionInfo> all = new ArrayList<>();
            answers.forEach(f -> all.addAll(f.join()));
            return all;
        });
    }

    /**
     * Stops accepting, lets every connection answer what it has received within {@code drainTimeout}, closes
     * what is left, then stops the loops.
     *
     * @return true if every connection finished before the deadline
     */
    public synchronized boolean shutdown(Duration drainTimeout) throws InterruptedException {
        if (stopped) {
            return true;
        }
        draining = true;
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        if (acceptor != null) {
            acceptor.stop();
        }
        for (LoopConnections lc : loops) {
            runOn(lc, lc::beginDrain);
        }
        boolean drained = false;
        while (System.nanoTime() - deadline < 0) {
            if (loops.stream().allMatch(lc -> lc.openCount() == 0 && lc.pendingHandOffs() == 0)) {
                drained = true;
                break;
            }
            Thread.sleep(10);
        }
        if (!drained) {
            int left = loops.stream().mapToInt(LoopConnections::openCount).sum();
            LOG.warning("drain timeout " + drainTimeout + " passed with " + left + " connections open; closing them");
        }
        stopLoops(Duration.ofSeconds(5));
        stopped = true;
        return drained;
    }

    private void stopLoops(Duration timeout) throws InterruptedException {
        for (LoopConnections lc : loops) {
            runOn(lc, () -> {
                lc.closeAll(CloseReason.SHUTDOWN);
                lc.release();
            });
        }
        group.shutdown(timeout);
    }

    /** Posts to a loop that may have died (it then owns nothing more to drain or close). */
    private static void runOn(LoopConnections lc, Runnable task) {
        try {
            lc.loop().execute(task);
        } catch (RejectedExecutionException stopped) {
            LOG.fine(() -> lc.loop().name() + " has stopped; nothing to do on it");
        }
    }
}
