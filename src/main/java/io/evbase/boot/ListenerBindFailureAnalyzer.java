package io.evbase.boot;

import io.evbase.net.ListenerBindException;
import java.net.BindException;
import java.util.Locale;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a listener that cannot bind its address in one line,
 * {@code listener memcache cannot bind 0.0.0.0:11211: address already in use}, with what to do about it.
 *
 * <p>Threading: called once, on the thread that failed to start the application.
 */
class ListenerBindFailureAnalyzer extends AbstractFailureAnalyzer<ListenerBindException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ListenerBindException cause) {
        String prefix = "evbase.listeners." + cause.listener();
        String reason = String.valueOf(cause.getCause() == null ? "" : cause.getCause().getMessage())
                .toLowerCase(Locale.ROOT);
        String action;
        if (reason.contains("in use")) {
            action = "Stop the process listening on " + cause.bindAddress() + ":" + cause.port()
                    + ", or give this listener another port: --" + prefix + ".port=<port> (0 picks a free one).";
        } else if (reason.contains("assign") || reason.contains("unresolved")) {
            action = "Set " + prefix + ".bind-address to an address of this host (0.0.0.0 binds every interface).";
        } else if (reason.contains("permission")) {
            action = "Ports below 1024 need privileges: choose " + prefix + ".port above 1023, or grant the process "
                    + "CAP_NET_BIND_SERVICE.";
        } else {
            action = "Check " + prefix + ".port and " + prefix + ".bind-address.";
        }
        return new FailureAnalysis(cause.getMessage(), action, cause.getCause() instanceof BindException b ? b : cause);
    }
}
