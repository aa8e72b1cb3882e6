package io.evbase.net;

import io.evbase.loop.EventBase;
import io.evbase.loop.Scheduled;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one {@link Connection}, after Netty's {@code IdleStateHandler}: the connection reports what
 * happened (bytes moved, a request left incomplete, output that would not go, a close begun) and this keeps one
 * timer on the loop, armed at the earliest deadline that applies in the connection's state. When it fires,
 * {@link #expired} says which deadline passed; the connection decides what that means.
 *
 * <ul>
 *   <li><b>idle</b>: no byte moved in either direction for the listener's idle timeout (not while a reply is in
 *       flight: then the server, not the peer, is the one keeping the connection quiet);</li>
 *   <li><b>read</b>: a request stayed incomplete (bytes in the input the handler could not use yet) for the read
 *       timeout;</li>
 *   <li><b>write</b>: output ready for the socket made no progress for the write timeout;</li>
 *   <li><b>close flush</b>: a graceful close waited this long for its replies to be written (the write timeout, or
 *       {@link #CLOSE_FLUSH_NANOS} without one);</li>
 *   <li><b>linger</b>: after its FIN the connection waited {@link #LINGER_NANOS} for the peer's.</li>
 * </ul>
 *
 * <p>Activity only moves deadlines later, so the timer is re-armed only when a deadline moves earlier or the timer
 * fires; a busy connection costs no timer operation per event.
 *
 * <p>Threading: the connection's loop thread only, except {@link #lastActivityNanos()}, which any thread may read.
 */
final class ConnectionTimeouts {

    /** How long a close waits for its output to flush when no write timeout is set. */
    static final long CLOSE_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long a graceful close waits, after its FIN, for the peer's (discarding what the peer still sends). */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Which deadline passed, and how the connection closes for it: gracefully, or at once. */
    enum Expiry {
        NONE(null, false),
        IDLE(CloseReason.IDLE_TIMEOUT, true),
        READ(CloseReason.READ_TIMEOUT, true),
        WRITE(CloseReason.WRITE_TIMEOUT, false),
        CLOSE_FLUSH(CloseReason.WRITE_TIMEOUT, false),
        /** The peer never sent its FIN: stop waiting for it (the close keeps the reason it began with). */
        LINGER(null, false);

        final CloseReason reason;
        final boolean graceful;

        Expiry(CloseReason reason, boolean graceful) {
            this.reason = reason;
            this.graceful = graceful;
        }
    }

    private final EventBase loop;
    private final Runnable onDue;
    private long idleNanos;
    private long readNanos;
    private long writeNanos;
    private volatile long lastActivityNanos;
    /** Since when a request is incomplete; 0 when none is. */
    private long partialSinceNanos;
    /** Since the last byte written while output waits for the socket; 0 when none waits. */
    private long writeProgressNanos;
    /** When the graceful close (or the linger) began; 0 while open. */
    private long closingSinceNanos;
    private Scheduled timer;

    /** @param onDue runs on the loop when the timer fires; it calls {@link #expired} */
    ConnectionTimeouts(EventBase loop, Runnable onDue) {
        this.loop = loop;
        this.onDue = onDue;
    }

    void start(ListenerSpec config, long now) {
        idleNanos = nanos(config.idleTimeout());
        readNanos = nanos(config.readTimeout());
        writeNanos = nanos(config.writeTimeout());
        lastActivityNanos = now;
    }

    private static long nanos(Duration d) {
        return d.isZero() ? 0 : d.toNanos();
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** Bytes moved. */
    void activity(long now) {
        lastActivityNanos = now;
    }

    /**
     * A write to the socket moved {@code written} bytes, and {@code waiting} bytes ready for the socket are left.
     * Output that waits without progress starts the write deadline; progress moves it.
     */
    void wrote(long written, long waiting, long now) {
        if (written > 0) {
            lastActivityNanos = now;
            writeProgressNanos = now;
        } else if (waiting > 0 && writeProgressNanos == 0) {
            writeProgressNanos = now;
        }
        if (waiting == 0) {
            writeProgressNanos = 0;
        }
    }

    /** Whether a request is incomplete right now: the first report of true starts the read deadline. */
    void partial(boolean partial, long now) {
        partialSinceNanos = !partial ? 0 : (partialSinceNanos == 0 ? now : partialSinceNanos);
    }

    /** A graceful close (or its linger) begins now. */
    void closing(long now) {
        closingSinceNanos = now;
    }

    /**
     * Keeps one timer armed at the earliest deadline of {@code state}; cancels it when none applies.
     *
     * @param idleApplies false while a reply is in flight (the idle deadline waits for it)
     */
    void arm(ConnectionState state, boolean idleApplies, long now) {
        long deadline = nextDeadline(state, idleApplies);
        if (deadline == Long.MAX_VALUE) {
            cancel();
            return;
        }
        if (timer == null || timer.deadlineNanos() - deadline > 0) {
            cancel();
            timer = loop.schedule(onDue, Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
        }
    }

    /** The timer fired: it is spent; returns which deadline passed, if any (the caller re-arms when none did). */
    Expiry expired(ConnectionState state, boolean idleApplies, long now) {
        timer = null;
        switch (state) {
            case LINGERING:
                return due(closingSinceNanos, LINGER_NANOS, now) ? Expiry.LINGER : Expiry.NONE;
            case FLUSHING:
                if (due(closingSinceNanos, closeFlushNanos(), now)) {
                    return Expiry.CLOSE_FLUSH;
                }
                break;
            case CLOSED:
                return Expiry.NONE;
            default:
                break;
        }
        if (writeNanos != 0 && writeProgressNanos != 0 && due(writeProgressNanos, writeNanos, now)) {
            return Expiry.WRITE;
        }
        if (state == ConnectionState.FLUSHING) {
            return Expiry.NONE;
        }
        if (readNanos != 0 && partialSinceNanos != 0 && due(partialSinceNanos, readNanos, now)) {
            return Expiry.READ;
        }
        if (idleApplies && idleNanos != 0 && due(lastActivityNanos, idleNanos, now)) {
            return Expiry.IDLE;
        }
        return Expiry.NONE;
    }

    private long nextDeadline(ConnectionState state, boolean idleApplies) {
        if (state == ConnectionState.LINGERING) {
            return closingSinceNanos + LINGER_NANOS;
        }
        long next = Long.MAX_VALUE;
        if (writeNanos != 0 && writeProgressNanos != 0) {
            next = earlier(next, writeProgressNanos + writeNanos);
        }
        if (state == ConnectionState.FLUSHING) {
            return earlier(next, closingSinceNanos + closeFlushNanos());
        }
        if (idleApplies && idleNanos != 0) {
            next = earlier(next, lastActivityNanos + idleNanos);
        }
        if (readNanos != 0 && partialSinceNanos != 0) {
            next = earlier(next, partialSinceNanos + readNanos);
        }
        return next;
    }

    private long closeFlushNanos() {
        return writeNanos == 0 ? CLOSE_FLUSH_NANOS : writeNanos;
    }

    private static boolean due(long since, long timeout, long now) {
        return now - (since + timeout) >= 0;
    }

    private static long earlier(long a, long b) {
        return a == Long.MAX_VALUE || b - a < 0 ? b : a;
    }

    void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** Forgets the closed peer's deadlines. */
    void reset() {
        cancel();
        partialSinceNanos = 0;
        writeProgressNanos = 0;
        closingSinceNanos = 0;
    }
}
