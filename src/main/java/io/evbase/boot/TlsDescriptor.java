package io.evbase.boot;

import io.evbase.net.tls.ListenerTls;
import io.evbase.net.tls.TlsFailure;
import io.evbase.net.tls.TlsIdentity;
import io.evbase.net.tls.TlsStats;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A TLS listener as {@code /actuator/reactor} shows it ({@code listeners[].tls}).
 *
 * <p>Threading: immutable; any thread.
 *
 * @param source            where the certificate comes from, e.g. {@code bundle server}
 * @param subject           the certificate's subject
 * @param serial            its serial number, hexadecimal
 * @param notAfter          when it expires (ISO-8601)
 * @param secondsToExpiry   seconds until then, negative once expired
 * @param loadedAt          when it was loaded (start-up or the last reload)
 * @param clientAuth        {@code none}, {@code want} or {@code need}
 * @param handshakeTimeout  milliseconds; 0 for none
 * @param handshakes        handshakes completed
 * @param handshakeMeanMs   their mean duration from accept, in milliseconds
 * @param handshakeMaxMs    the longest, in milliseconds
 * @param failed            failed handshakes by reason
 * @param errors            established connections cut by the TLS layer, by reason
 * @param protocols         completed handshakes by negotiated protocol
 * @param ciphers           completed handshakes by negotiated cipher suite
 * @param reloads           certificate reloads applied
 * @param reloadFailures    certificate reloads that failed
 * @param lastReloadFailure why the last reload failed, while the previous certificate stays in use; else null
 */
public record TlsDescriptor(String source, String subject, String serial, String notAfter, Long secondsToExpiry,
        String loadedAt, String clientAuth, long handshakeTimeout, long handshakes, double handshakeMeanMs,
        double handshakeMaxMs, Map<String, Long> failed, Map<String, Long> errors, Map<String, Long> protocols,
        Map<String, Long> ciphers, long reloads, long reloadFailures, String lastReloadFailure) {

    static TlsDescriptor of(ListenerTls tls) {
        TlsIdentity id = tls.identity();
        TlsStats stats = tls.stats();
        Map<String, Long> failed = new LinkedHashMap<>();
        Map<String, Long> errors = new LinkedHashMap<>();
        for (TlsFailure f : TlsFailure.values()) {
            failed.put(f.tag(), stats.handshakesFailed(f));
            errors.put(f.tag(), stats.errors(f));
        }
        long completed = stats.handshakesCompleted();
        double left = tls.secondsToExpiry();
        ListenerTls.ReloadFailure failure = tls.lastReloadFailure();
        return new TlsDescriptor(id.source(), id.subject(), id.serial() == null ? null : id.serial().toString(16),
                id.notAfter() == null ? null : id.notAfter().toString(), Double.isNaN(left) ? null : (long) left,
                tls.loadedAt().toString(), tls.clientAuth().name().toLowerCase(Locale.ROOT),
                tls.handshakeTimeout().toMillis(), completed,
                completed == 0 ? 0 : EvbaseEndpoint.millis(stats.handshakeNanosTotal() / completed),
                EvbaseEndpoint.millis(stats.handshakeNanosMax()), failed, errors, stats.protocols(), stats.ciphers(),
                tls.reloads(), tls.reloadFailures(),
                failure == null ? null : failure.at() + ": " + failure.message());
    }
}
