package io.evbase.net;

import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The listener thread, memcached's and {@code evconnlistener}'s: accepts on every listening socket and hands each
 * accepted socket to a worker loop through that loop's task queue.
 *
 * <p>The loop is the {@link EventBaseGroup}'s pick by its dispatch policy: a loop whose hand-off queue is full is
 * skipped for another; when all are full the connection is shed (folly's {@code AsyncServerSocket}). A stalled loop
 * (one iteration running past the stall threshold) is skipped as long as another loop has room, so a blocked
 * handler delays only the connections its loop already owns.
 * Running out of descriptors (EMFILE/ENFILE) pauses accepting for a moment instead of spinning on a listening
 * socket that stays readable.
 *
 * <p>Threading: {@link #start()} and {@link #stop()} from any thread, once each; {@link #isPaused()} and the
 * listeners' counters are thread-safe; the rest runs on the acceptor thread.
 */
public final class Acceptor {

    private static final Logger LOG = Logger.getLogger(Acceptor.class.getName());
    private static final int ACCEPTS_PER_WAKEUP = 64;

    private final EventBaseGroup group;
    private final List<LoopConnections> loops;
    private final List<BoundListener> listeners = new ArrayList<>();
    private final int maxPendingHandOffs;
    private final Duration pauseOnExhaustion;
    /** A loop busy in one iteration for longer than this gets new connections only when no other loop can. */
    private final long stallNanos;
    private final Selector selector;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean paused;
    /**
     * From the first EMFILE/ENFILE until an accept succeeds again (or finds nobody waiting): what {@link #isPaused()}
     * reports. Unlike {@code paused} it does not flicker off for the instant of each retry, so readiness stays
     * OUT_OF_SERVICE for the whole episode, and the episode is logged once rather than at every retry.
     */
    private volatile boolean exhausted;
    private long exhaustedSinceNanos;
    private long episodePauses;
    private volatile long pauses;
    private long resumeAtNanos;

    Acceptor(EventBaseGroup group, List<LoopConnections> loops, List<ListenerSpec> configs, int maxPendingHandOffs,
            Duration pauseOnExhaustion, Duration stallThreshold) throws IOException {
        this.group = group;
        this.loops = loops;
        this.maxPendingHandOffs = maxPendingHandOffs;
        this.pauseOnExhaustion = pauseOnExhaustion;
        this.stallNanos = stallThreshold.toNanos();
        this.selector = Selector.open();
        try {
            for (ListenerSpec config : configs) {
                listeners.add(bind(config));
            }
        } catch (IOException e) {
            closeAll();
            throw e;
        }
        this.thread = new Thread(this::run, "evbase-acceptor");
    }

    private BoundListener bind(ListenerSpec config) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(config.bindAddress(), config.port()), config.backlog());
            server.configureBlocking(false);
            BoundListener listener = new BoundListener(config, server, (InetSocketAddress) server.getLocalAddress());
            server.register(selector, SelectionKey.OP_ACCEPT, listener);
            return listener;
        } catch (IOException e) {
            server.close();
            throw new ListenerBindException(config.name(), config.bindAddress(), config.port(), e);
        }
    }

    List<BoundListener> listeners() {
        return listeners;
    }

    void start() {
        running = true;
        thread.start();
    }

    /**
     * True while accepting is paused because the process ran out of descriptors: from the first failed accept until
     * one succeeds again (the retries in between do not clear it).
     */
    public boolean isPaused() {
        return exhausted;
    }

    /** How many times accepting paused for descriptor exhaustion. */
    public long pauses() {
        return pauses;
    }

    /** Stops accepting and closes the listening sockets; connections already handed over are not touched. */
    void stop() throws InterruptedException {
        if (!running) {
            closeAll();
            return;
        }
        running = false;
        selector.wakeup();
        stopped.await(10, TimeUnit.SECONDS);
    }

    private void run() {
        try {
            while (running) {
                long timeout = paused ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(resumeAtNanos - System.nanoTime())) : 0;
                selector.select(key -> acceptAll((BoundListener) key.attachment()), timeout);
                if (paused && System.nanoTime() - resumeAtNanos >= 0) {
                    setAccepting(true);
                }
            }
        } catch (Throwable e) { // IOException, ClosedSelectorException, or a bug: never die without a word
            LOG.log(Level.SEVERE, "acceptor died", e);
        } finally {
            closeAll();
            stopped.countDown();
        }
    }

    private void acceptAll(BoundListener listener) {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP && running && !paused; i++) {
            SocketChannel socket;
            try {
                socket = listener.channel().accept();
            } catch (IOException e) {
                if (isDescriptorExhaustion(e)) {
                    if (!exhausted) {
                        exhausted = true;
                        exhaustedSinceNanos = System.nanoTime();
                        episodePauses = 0;
                        LOG.warning("out of file descriptors accepting on " + listener.name() + "; pausing accept for "
                                + pauseOnExhaustion.toMillis() + " ms at a time until descriptors free up");
                    }
                    episodePauses++;
                    setAccepting(false);
                } else {
                    LOG.log(Level.WARNING, "accept failed on " + listener.name(), e);
                }
                return;
            }
            if (exhausted) {
                exhausted = false;
                LOG.info("accepting resumed on " + listener.name() + " after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exhaustedSinceNanos)
                        + " ms of descriptor exhaustion (" + episodePauses + " pauses)");
            }
            if (socket == null) {
                return;
            }
            handOff(listener, socket);
        }
    }

    private static boolean isDescriptorExhaustion(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("Too many open files") || message.contains("file table overflow");
    }

    private void setAccepting(boolean accepting) {
        if (!accepting) {
            paused = true;
            pauses++;
            resumeAtNanos = System.nanoTime() + pauseOnExhaustion.toNanos();
        } else {
            paused = false;
        }
        for (SelectionKey key : selector.keys()) {
            if (key.isValid()) {
                key.interestOps(accepting ? SelectionKey.OP_ACCEPT : 0);
            }
        }
    }

    /**
     * Gives the socket to a loop through its task queue; the loop sets it up and registers it. Counted accepted once
     * a loop took it, else rejected: {@code limit} (max-connections), {@code overload} (every hand-off queue full),
     * {@code shutdown} (the loops stopped). A socket that is not handed over is closed before it is counted, so
     * whoever sees the count finds the socket closed.
     */
    private void handOff(BoundListener listener, SocketChannel socket) {
        if (!listener.tryOpen()) {
            byte[] reply = null;
            try {
                if (listener.config().tls() == null) { // a TLS client cannot read a plaintext refusal: just close
                    reply = listener.config().handler().tooManyConnectionsReply();
                }
            } catch (RuntimeException e) { // handler code on the acceptor thread: it must not take the acceptor down
                LOG.log(Level.WARNING, "tooManyConnectionsReply of " + listener.name() + " threw; closing without it", e);
                reply = null;
            }
            refuse(socket, reply);
            listener.reject(BoundListener.RejectReason.LIMIT);
            return;
        }
        BoundListener.RejectReason refused = BoundListener.RejectReason.OVERLOAD;
        try {
            // The group picks by its policy among the loops with room, stalled ones last, and reserves the place.
            EventBaseGroup.Pick pick;
            for (int tries = 0; tries < group.size()
                    && (pick = group.reserveHandOff(maxPendingHandOffs, stallNanos)) != null; tries++) {
                EventBase loop = pick.loop();
                LoopConnections target = loops.get(loop.id());
                try {
                    loop.execute(() -> target.open(socket, listener));
                } catch (RejectedExecutionException stopped) { // it stopped since it was picked: not picked again
                    loop.handOffDone();
                    continue;
                }
                group.received(pick);
                listener.countAccepted();
                return;
            }
            if (group.loops().stream().noneMatch(EventBase::isActive)) {
                refused = BoundListener.RejectReason.SHUTDOWN;
            }
        } catch (RuntimeException e) {
            // A bug on this path must cost one connection, not the acceptor (nor its listener place).
            LOG.log(Level.WARNING, "handing off a connection on " + listener.name() + " failed; closing it", e);
        }
        closeQuietly(socket);
        listener.cancelOpen(refused);
    }

    /**
     * Sends the protocol's refusal without blocking (it fits an empty socket buffer) and closes.
     *
     * <p>Closing a socket whose receive queue holds unread bytes makes the kernel send a reset instead of a FIN, and
     * the peer's kernel then drops the refusal it has not read yet. Clients that send a request right after
     * connecting (memcached clients do) would see "connection reset" instead of the refusal. So the refusal is
     * followed by a FIN of its own (shutdownOutput) and whatever the peer already sent is read and discarded before
     * the close. Non-blocking throughout: bytes the peer sends later still meet a reset, but only after the
     * refusal and the FIN, which its kernel has already queued for it.
     */
    private static void refuse(SocketChannel socket, byte[] reply) {
        try {
            if (reply != null) {
                socket.configureBlocking(false);
                socket.write(ByteBuffer.wrap(reply));
                socket.shutdownOutput();
                ByteBuffer discard = ByteBuffer.allocate(4096);
                for (int i = 0; i < 16 && socket.read(discard) > 0; i++) {
                    discard.clear();
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "refused peer went away", e);
        } finally {
            closeQuietly(socket);
        }
    }

    private void closeAll() {
        for (BoundListener listener : listeners) {
            closeQuietly(listener.channel());
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing to do on the way out
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a socket that failed
        }
    }
}
