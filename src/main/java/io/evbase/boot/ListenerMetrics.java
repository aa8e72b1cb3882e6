package io.evbase.boot;

import static io.evbase.boot.EvbaseMeters.CONNECTIONS_ACCEPTED;
import static io.evbase.boot.EvbaseMeters.CONNECTIONS_ACTIVE;
import static io.evbase.boot.EvbaseMeters.CONNECTIONS_CLOSED;
import static io.evbase.boot.EvbaseMeters.CONNECTIONS_REJECTED;
import static io.evbase.boot.EvbaseMeters.DATA_READ;
import static io.evbase.boot.EvbaseMeters.DATA_WRITTEN;

import io.evbase.net.BoundListener;
import io.evbase.net.CloseReason;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Meters of the listeners, tagged {@code listener} (its name): {@link EvbaseMeters#CONNECTIONS_ACTIVE},
 * {@link EvbaseMeters#CONNECTIONS_ACCEPTED}, {@link EvbaseMeters#CONNECTIONS_REJECTED} and
 * {@link EvbaseMeters#CONNECTIONS_CLOSED} (also tagged {@code reason}), {@link EvbaseMeters#DATA_READ} and
 * {@link EvbaseMeters#DATA_WRITTEN}.
 *
 * <p>The meters are bound for the configured listeners, before the server binds them; until it has, they read 0.
 *
 * <p>Threading: {@link #bindTo} once per registry; the meters read the listeners' thread-safe counters from any
 * thread.
 */
public class ListenerMetrics implements MeterBinder {

    private final Server server;

    public ListenerMetrics(Server server) {
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ListenerSpec config : server.listenerConfigs()) {
            String name = config.name();
            String listener = EvbaseMeters.Tag.LISTENER.asString();
            String reasonTag = EvbaseMeters.Tag.REASON.asString();
            CONNECTIONS_ACTIVE.gauge(server, read(name, BoundListener::openConnections))
                    .tags(CONNECTIONS_ACTIVE.tags(listener, name)).register(registry);
            CONNECTIONS_ACCEPTED.functionCounter(server, read(name, BoundListener::accepted))
                    .tags(CONNECTIONS_ACCEPTED.tags(listener, name)).register(registry);
            for (BoundListener.RejectReason reason : BoundListener.RejectReason.values()) {
                CONNECTIONS_REJECTED.functionCounter(server, read(name, l -> l.rejected(reason)))
                        .tags(CONNECTIONS_REJECTED.tags(listener, name, reasonTag, reason.tag())).register(registry);
            }
            for (CloseReason reason : CloseReason.values()) {
                CONNECTIONS_CLOSED.functionCounter(server, read(name, l -> l.closed(reason)))
                        .tags(CONNECTIONS_CLOSED.tags(listener, name, reasonTag, reason.tag())).register(registry);
            }
            DATA_READ.functionCounter(server, read(name, BoundListener::bytesRead))
                    .tags(DATA_READ.tags(listener, name)).register(registry);
            DATA_WRITTEN.functionCounter(server, read(name, BoundListener::bytesWritten))
                    .tags(DATA_WRITTEN.tags(listener, name)).register(registry);
        }
    }

    private static ToDoubleFunction<Server> read(String listener, ToDoubleFunction<BoundListener> value) {
        return server -> {
            for (BoundListener l : server.listeners()) {
                if (l.name().equals(listener)) {
                    return value.applyAsDouble(l);
                }
            }
            return 0;
        };
    }
}
