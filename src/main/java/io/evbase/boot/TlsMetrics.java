package io.evbase.boot;

import static io.evbase.boot.EvbaseMeters.TLS_CERTIFICATE_EXPIRY;
import static io.evbase.boot.EvbaseMeters.TLS_ERRORS;
import static io.evbase.boot.EvbaseMeters.TLS_HANDSHAKES;
import static io.evbase.boot.EvbaseMeters.TLS_HANDSHAKES_CIPHER;
import static io.evbase.boot.EvbaseMeters.TLS_HANDSHAKES_FAILED;
import static io.evbase.boot.EvbaseMeters.TLS_HANDSHAKES_PROTOCOL;
import static io.evbase.boot.EvbaseMeters.TLS_HANDSHAKE_DURATION;
import static io.evbase.boot.EvbaseMeters.TLS_RELOADS;
import static io.evbase.boot.EvbaseMeters.TLS_RELOAD_FAILURES;

import io.evbase.net.tls.ListenerTls;
import io.evbase.net.tls.TlsFailure;
import io.evbase.net.tls.TlsStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Meters of the TLS listeners, tagged {@code listener}: handshakes completed and failed (by {@code reason}), their
 * duration, the protocols and cipher suites negotiated, errors on established connections, the certificate's
 * time to expiry and the reloads ({@code evbase.tls.*} in {@link EvbaseMeters}).
 *
 * <p>A protocol or cipher suite gets its series when a handshake first negotiates it: the listener's counters say
 * so on the loop that counted it, and the meter is added on another thread ({@code registrar}), so no loop waits
 * for the registry.
 *
 * <p>Threading: {@link #bindTo} once per registry; the meters read thread-safe counters from any thread.
 */
public class TlsMetrics implements MeterBinder {

    private final List<ListenerTls> listeners;
    private final Executor registrar;

    public TlsMetrics(List<ListenerTls> listeners) {
        this(listeners, ForkJoinPool.commonPool());
    }

    TlsMetrics(List<ListenerTls> listeners, Executor registrar) {
        this.listeners = List.copyOf(listeners);
        this.registrar = registrar;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String listenerTag = EvbaseMeters.Tag.LISTENER.asString();
        String reasonTag = EvbaseMeters.Tag.REASON.asString();
        for (ListenerTls tls : listeners) {
            String name = tls.listener();
            TlsStats stats = tls.stats();
            TLS_HANDSHAKES.functionCounter(stats, TlsStats::handshakesCompleted)
                    .tags(TLS_HANDSHAKES.tags(listenerTag, name)).register(registry);
            for (TlsFailure reason : TlsFailure.values()) {
                TLS_HANDSHAKES_FAILED.functionCounter(stats, s -> s.handshakesFailed(reason))
                        .tags(TLS_HANDSHAKES_FAILED.tags(listenerTag, name, reasonTag, reason.tag()))
                        .register(registry);
                TLS_ERRORS.functionCounter(stats, s -> s.errors(reason))
                        .tags(TLS_ERRORS.tags(listenerTag, name, reasonTag, reason.tag())).register(registry);
            }
            TLS_HANDSHAKE_DURATION.functionTimer(stats, TlsStats::handshakesCompleted,
                    TlsStats::handshakeNanosTotal).tags(TLS_HANDSHAKE_DURATION.tags(listenerTag, name))
                    .register(registry);
            TLS_CERTIFICATE_EXPIRY.gauge(tls, ListenerTls::secondsToExpiry)
                    .tags(TLS_CERTIFICATE_EXPIRY.tags(listenerTag, name)).register(registry);
            TLS_RELOADS.functionCounter(tls, ListenerTls::reloads).tags(TLS_RELOADS.tags(listenerTag, name))
                    .register(registry);
            TLS_RELOAD_FAILURES.functionCounter(tls, ListenerTls::reloadFailures)
                    .tags(TLS_RELOAD_FAILURES.tags(listenerTag, name)).register(registry);
            stats.onFirstUse((kind, value) -> registrar.execute(() -> negotiated(registry, name, stats, kind, value)));
        }
    }

    private static void negotiated(MeterRegistry registry, String listener, TlsStats stats, String kind,
            String value) {
        String listenerTag = EvbaseMeters.Tag.LISTENER.asString();
        if (TlsStats.PROTOCOL.equals(kind)) {
            TLS_HANDSHAKES_PROTOCOL.functionCounter(stats, s -> s.negotiatedProtocol(value))
                    .tags(TLS_HANDSHAKES_PROTOCOL.tags(listenerTag, listener, EvbaseMeters.Tag.PROTOCOL.asString(),
                            value)).register(registry);
        } else {
            TLS_HANDSHAKES_CIPHER.functionCounter(stats, s -> s.negotiatedCipher(value))
                    .tags(TLS_HANDSHAKES_CIPHER.tags(listenerTag, listener, EvbaseMeters.Tag.CIPHER.asString(),
                            value)).register(registry);
        }
    }
}
