package io.evbase.net;

import io.evbase.net.tls.ListenerTls;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * What a listener binds and the limits its connections live under. Zero durations disable a timeout.
 *
 * <p>Threading: immutable; any thread.
 *
 * @param name               the listener's name (a meter tag)
 * @param protocol           the protocol's name, for display
 * @param bindAddress        the address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
 * @param port               the port; 0 binds an ephemeral one
 * @param backlog            the listen backlog
 * @param handler            the protocol's callbacks
 * @param idleTimeout        closes a connection with no traffic for this long
 * @param readTimeout        closes a connection whose request stays incomplete for this long
 * @param writeTimeout       aborts a connection whose output makes no progress for this long
 * @param readHighWatermark  stop reading while the input holds more than this many bytes
 * @param writeHighWatermark the connection turns unwritable above this many bytes of output
 * @param writeLowWatermark  and writable again below this many
 * @param maxConnections     open connections at most; the next ones are refused
 * @param maxRequestsInFlight replies promised ({@link Connection#replyLater()}) and not yet written, per connection,
 *                           at most; at the bound the connection stops reading and serving until one is written
 * @param blockingExecutor   runs the blocking work of {@link Connection#replyBlocking}; null for
 *                           {@link BlockingExecutors#shared()}
 * @param tls                the listener's TLS (its connections are encrypted; handlers see plaintext), or null
 *                           for plaintext
 */
public record ListenerSpec(
        String name,
        String protocol,
        String bindAddress,
        int port,
        int backlog,
        ConnectionHandler handler,
        Duration idleTimeout,
        Duration readTimeout,
        Duration writeTimeout,
        int readHighWatermark,
        int writeHighWatermark,
        int writeLowWatermark,
        int maxConnections,
        int maxRequestsInFlight,
        Executor blockingExecutor,
        ListenerTls tls) {

    /** Requests in flight per connection when nobody says otherwise. */
    public static final int DEFAULT_MAX_REQUESTS_IN_FLIGHT = 128;

    public ListenerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listener " + name + ": port out of range: " + port);
        }
        if (writeLowWatermark > writeHighWatermark) {
            throw new IllegalArgumentException("listener " + name + ": write low watermark " + writeLowWatermark
                    + " is above the high watermark " + writeHighWatermark);
        }
        if (readHighWatermark <= 0 || writeHighWatermark <= 0 || maxConnections <= 0 || backlog <= 0
                || maxRequestsInFlight <= 0) {
            throw new IllegalArgumentException("listener " + name
                    + ": watermarks, backlog, max connections and max requests in flight must be positive");
        }
        if (blockingExecutor == null) {
            blockingExecutor = BlockingExecutors.shared();
        }
        idleTimeout = orZero(idleTimeout);
        readTimeout = orZero(readTimeout);
        writeTimeout = orZero(writeTimeout);
    }

    /** A plaintext listener. */
    public ListenerSpec(String name, String protocol, String bindAddress, int port, int backlog,
            ConnectionHandler handler, Duration idleTimeout, Duration readTimeout, Duration writeTimeout,
            int readHighWatermark, int writeHighWatermark, int writeLowWatermark, int maxConnections,
            int maxRequestsInFlight, Executor blockingExecutor) {
        this(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout, writeTimeout,
                readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections, maxRequestsInFlight,
                blockingExecutor, null);
    }

    private static Duration orZero(Duration d) {
        return d == null || d.isNegative() ? Duration.ZERO : d;
    }

    /** A listener with the defaults the boot module uses too; for tests and embedding. */
    public static ListenerSpec of(String name, int port, ConnectionHandler handler) {
        return new ListenerSpec(name, name, "127.0.0.1", port, 1024, handler, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, 1 << 20, 1 << 20, 256 << 10, 10_000, DEFAULT_MAX_REQUESTS_IN_FLIGHT, null);
    }

    public ListenerSpec withPort(int newPort) {
        return new ListenerSpec(name, protocol, bindAddress, newPort, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections,
                maxRequestsInFlight, blockingExecutor, tls);
    }

    public ListenerSpec withTimeouts(Duration idle, Duration read, Duration write) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idle, read, write,
                readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections, maxRequestsInFlight,
                blockingExecutor, tls);
    }

    public ListenerSpec withWatermarks(int readHigh, int writeHigh, int writeLow) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHigh, writeHigh, writeLow, maxConnections, maxRequestsInFlight,
                blockingExecutor, tls);
    }

    public ListenerSpec withMaxConnections(int max) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, max, maxRequestsInFlight,
                blockingExecutor, tls);
    }

    public ListenerSpec withMaxRequestsInFlight(int max) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections, max,
                blockingExecutor, tls);
    }

    public ListenerSpec withBlockingExecutor(Executor executor) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections,
                maxRequestsInFlight, executor, tls);
    }

    /** This listener with TLS ({@code null}: plaintext). */
    public ListenerSpec withTls(ListenerTls newTls) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections,
                maxRequestsInFlight, blockingExecutor, newTls);
    }
}
