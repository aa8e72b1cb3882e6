package io.evbase.boot;

import io.evbase.net.tls.ListenerTls;
import io.evbase.net.tls.TlsIdentity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code tls} health contributor: per TLS listener, the certificate it presents (subject, serial, expiry,
 * seconds left), when it was loaded, the reloads, and the last reload that failed while the previous certificate
 * stays in use. UP while every listener's certificate is valid; OUT_OF_SERVICE once one has expired (new clients
 * that check it are refused). A failed reload does not change the status (the last good certificate is served);
 * it shows in the details, in the log and in {@code evbase.tls.reload.failures}.
 *
 * <p>Threading: thread-safe; reads what the listeners publish.
 */
public class EvbaseTlsHealthIndicator extends AbstractHealthIndicator {

    private final Supplier<List<ListenerTls>> listeners;

    public EvbaseTlsHealthIndicator(Supplier<List<ListenerTls>> listeners) {
        super("TLS health check failed");
        this.listeners = listeners;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean expired = false;
        for (ListenerTls tls : listeners.get()) {
            TlsIdentity id = tls.identity();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("source", id.source());
            d.put("subject", id.subject());
            d.put("serial", id.serial() == null ? null : id.serial().toString(16));
            d.put("notAfter", id.notAfter() == null ? null : id.notAfter().toString());
            double left = tls.secondsToExpiry();
            d.put("secondsToExpiry", Double.isNaN(left) ? null : (long) left);
            d.put("clientAuth", tls.clientAuth().name().toLowerCase(java.util.Locale.ROOT));
            d.put("loadedAt", tls.loadedAt().toString());
            d.put("reloads", tls.reloads());
            d.put("reloadFailures", tls.reloadFailures());
            ListenerTls.ReloadFailure f = tls.lastReloadFailure();
            if (f != null) {
                d.put("reloadFailure", Map.of("at", f.at().toString(), "message", f.message()));
            }
            expired |= id.notAfter() != null && id.notAfter().isBefore(Instant.now());
            builder.withDetail(tls.listener(), d);
        }
        if (expired) {
            builder.outOfService();
        } else {
            builder.up();
        }
    }
}
