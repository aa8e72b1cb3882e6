package io.evbase.net;

import java.time.Duration;
import java.util.Objects;

/**
 * What a listener binds and the limits its connections live under. Zero durations disable a timeout.
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
        int maxConnections) {

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
        if (readHighWatermark <= 0 || writeHighWatermark <= 0 || maxConnections <= 0 || backlog <= 0) {
            throw new IllegalArgumentException("listener " + name + ": watermarks, backlog and max connections must be positive");
        }
        idleTimeout = orZero(idleTimeout);
        readTimeout = orZero(readTimeout);
        writeTimeout = orZero(writeTimeout);
    }

    private static Duration orZero(Duration d) {
        return d == null || d.isNegative() ? Duration.ZERO : d;
    }

    /** A listener with the defaults the boot module uses too; for tests and embedding. */
    public static ListenerSpec of(String name, int port, ConnectionHandler handler) {
        return new ListenerSpec(name, name, "127.0.0.1", port, 1024, handler, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, 1 << 20, 1 << 20, 256 << 10, 10_000);
    }

    public ListenerSpec withPort(int newPort) {
        return new ListenerSpec(name, protocol, bindAddress, newPort, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections);
    }

    public ListenerSpec withTimeouts(Duration idle, Duration read, Duration write) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idle, read, write,
                readHighWatermark, writeHighWatermark, writeLowWatermark, maxConnections);
    }

    public ListenerSpec withWatermarks(int readHigh, int writeHigh, int writeLow) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHigh, writeHigh, writeLow, maxConnections);
    }

    public ListenerSpec withMaxConnections(int max) {
        return new ListenerSpec(name, protocol, bindAddress, port, backlog, handler, idleTimeout, readTimeout,
                writeTimeout, readHighWatermark, writeHighWatermark, writeLowWatermark, max);
    }
}
