package io.evbase.net.tls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The TLS side of one listener: the identity it presents now ({@link #identity()}, replaced whole by a reload),
 * whether it asks clients for certificates, how long a handshake may take, and its counters.
 *
 * <p>Reload: {@link #update} swaps the identity; connections accepted afterwards get engines of the new one, those
 * already open keep theirs. {@link #updateFailed} records a reload that could not be applied (a broken new file):
 * the last good identity stays, and the failure is logged, counted and kept for health details until the next
 * successful reload.
 *
 * <p>Threading: thread-safe. {@link #newEngine} runs on loops, {@link #update} on whatever thread noticed the
 * change (a file watcher), the getters anywhere.
 */
public final class ListenerTls {

    private static final Logger LOG = Logger.getLogger(ListenerTls.class.getName());

    private final String listener;
    private final ClientAuth clientAuth;
    private final Duration handshakeTimeout;
    private final Executor tasks;
    private final TlsStats stats = new TlsStats();
    private final LongAdder reloads = new LongAdder();
    private final LongAdder reloadFailures = new LongAdder();
    private volatile TlsIdentity identity;
    private volatile Instant loadedAt;
    private volatile ReloadFailure lastFailure;

    /**
     * A reload that could not be applied.
     *
     * @param at      when
     * @param message why, in one line
     */
    public record ReloadFailure(Instant at, String message) {
    }

    /**
     * @param listener         the listener's name, for logs
     * @param identity         what to present
     * @param clientAuth       whether to ask for client certificates
     * @param handshakeTimeout how long a handshake may take; zero or negative for no limit
     * @param tasks            runs the engines' delegated tasks
     */
    public ListenerTls(String listener, TlsIdentity identity, ClientAuth clientAuth, Duration handshakeTimeout,
            Executor tasks) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
        this.handshakeTimeout = handshakeTimeout == null || handshakeTimeout.isNegative() ? Duration.ZERO
                : handshakeTimeout;
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.loadedAt = Instant.now();
        newEngine(null); // a context or parameter the JDK refuses fails now, at start-up, not at the first client
    }

    public ListenerTls(String listener, TlsIdentity identity, ClientAuth clientAuth, Duration handshakeTimeout) {
        this(listener, identity, clientAuth, handshakeTimeout, TlsTasks.shared());
    }

    /** A server-side engine of the current identity, for a connection from {@code peer} (may be null). */
    public SSLEngine newEngine(InetSocketAddress peer) {
        return engineOf(identity, peer);
    }

    private SSLEngine engineOf(TlsIdentity id, InetSocketAddress peer) {
        SSLEngine engine = peer == null ? id.context().createSSLEngine()
                : id.context().createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(false);
        SSLParameters p = engine.getSSLParameters();
        if (!id.protocols().isEmpty()) {
            p.setProtocols(id.protocols().toArray(String[]::new));
        }
        if (!id.ciphers().isEmpty()) {
            p.setCipherSuites(id.ciphers().toArray(String[]::new));
        }
        switch (clientAuth) {
            case NEED -> p.setNeedClientAuth(true);
            case WANT -> p.setWantClientAuth(true);
            default -> p.setNeedClientAuth(false);
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /** Presents {@code next} to connections accepted from now on; open ones keep what they have. */
    public void update(TlsIdentity next) {
        engineOf(next, null); // refuse what the JDK refuses before anyone gets it
        identity = next;
        loadedAt = Instant.now();
        lastFailure = null;
        reloads.increment();
        LOG.info(() -> "listener " + listener + ": TLS identity reloaded from " + next.source() + ": "
                + next.subject() + ", serial " + next.serial() + ", expires " + next.notAfter());
    }

    /** A reload from {@code source} failed: the current identity stays; logs, counts and remembers why. */
    public void updateFailed(String source, Throwable cause) {
        String message = source + ": " + oneLine(cause);
        lastFailure = new ReloadFailure(Instant.now(), message);
        reloadFailures.increment();
        LOG.log(Level.WARNING, "listener " + listener + ": TLS reload failed, keeping the certificate loaded "
                + loadedAt + " (" + identity.subject() + ", serial " + identity.serial() + "): " + message);
        LOG.log(Level.FINE, "TLS reload failure", cause);
    }

    private static String oneLine(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage());
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString().replace('\n', ' ');
    }

    public String listener() {
        return listener;
    }

    public TlsIdentity identity() {
        return identity;
    }

    /** When the current identity was loaded (start-up or the last successful reload). */
    public Instant loadedAt() {
        return loadedAt;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** Zero for no limit. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    public Executor tasks() {
        return tasks;
    }

    public TlsStats stats() {
        return stats;
    }

    /** Successful reloads since start. */
    public long reloads() {
        return reloads.sum();
    }

    /** Reloads that failed since start. */
    public long reloadFailures() {
        return reloadFailures.sum();
    }

    /** The last reload failure, or null if the last reload (or the start) succeeded. */
    public ReloadFailure lastReloadFailure() {
        return lastFailure;
    }

    /** Seconds until the current certificate expires (negative once it has), or NaN if unknown. */
    public double secondsToExpiry() {
        Instant notAfter = identity.notAfter();
        return notAfter == null ? Double.NaN : (notAfter.toEpochMilli() - System.currentTimeMillis()) / 1000.0;
    }
}
