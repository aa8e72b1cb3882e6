package io.evbase.net;

import io.evbase.loop.StripedCounter;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bound listening socket and the counters of the connections it accepted.
 *
 * <p>Every connection the kernel hands the acceptor ends in exactly one of {@link #accepted()} (handed to a loop)
 * or {@link #rejected(RejectReason)} (refused, shed, or not handed over); every accepted one is {@linkplain
 * #openConnections() open} until it is counted {@link #closed(CloseReason)}. The three are monotonic counters.
 *
 * <p>Threading: the channel is the acceptor's; the counters are thread-safe (loops add bytes and closes, the
 * acceptor adds accepts and rejections, anyone reads).
 */
public final class BoundListener {

    /** Why a connection was refused at accept time; a meter tag. */
    public enum RejectReason {
        /** The listener's max-connections was reached. */
        LIMIT,
        /** Every loop's hand-off queue was full. */
        OVERLOAD,
        /** The server was shutting down: the loops had stopped taking connections. */
        SHUTDOWN;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final ListenerSpec config;
    private final ServerSocketChannel channel;
    private final InetSocketAddress boundAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final Map<RejectReason, LongAdder> rejected = new EnumMap<>(RejectReason.class);
    private final Map<CloseReason, LongAdder> closed = new EnumMap<>(CloseReason.class);
    /** Counted on every read and write of every loop: a cell per loop, not a shared one. */
    private final StripedCounter bytesRead = new StripedCounter();
    private final StripedCounter bytesWritten = new StripedCounter();

    BoundListener(ListenerSpec config, ServerSocketChannel channel, InetSocketAddress boundAddress) {
        this.config = config;
        this.channel = channel;
        this.boundAddress = boundAddress;
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, new LongAdder());
        }
        for (CloseReason r : CloseReason.values()) {
            closed.put(r, new LongAdder());
        }
    }

    public ListenerSpec config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    ServerSocketChannel channel() {
        return channel;
    }

    /** The port actually bound (the configured one, or the ephemeral one chosen for port 0). */
    public int port() {
        return boundAddress.getPort();
    }

    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    public int openConnections() {
        return open.get();
    }

    /** Connections handed to a loop. Monotonic: a connection refused or shed after accept counts as rejected. */
    public long accepted() {
        return accepted.sum();
    }

    public long rejected(RejectReason reason) {
        return rejected.get(reason).sum();
    }

    public long closed(CloseReason reason) {
        return closed.get(reason).sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    /**
     * Takes a place under the connection limit for an accepted socket; false (nothing taken) when the limit is
     * reached. Followed by {@link #countAccepted()} once a loop took the socket, or {@link #cancelOpen} if none did.
     */
    boolean tryOpen() {
        while (true) {
            int n = open.get();
            if (n >= config.maxConnections()) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** The socket that took a place with {@link #tryOpen()} is handed to a loop. */
    void countAccepted() {
        accepted.increment();
    }

    /** Gives back the place of a socket no loop took, and counts it rejected for {@code reason}. */
    void cancelOpen(RejectReason reason) {
        open.decrementAndGet();
        rejected.get(reason).increment();
    }

    void reject(RejectReason reason) {
        rejected.get(reason).increment();
    }

    void countClose(CloseReason reason) {
        open.decrementAndGet();
        closed.get(reason).increment();
    }

    void addRead(long n) {
        bytesRead.add(n);
    }

    void addWritten(long n) {
        bytesWritten.add(n);
    }
}
