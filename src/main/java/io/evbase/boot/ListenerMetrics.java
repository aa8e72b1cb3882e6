package io.evbase.boot;

import io.evbase.net.BoundListener;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Meters of the listeners, tagged {@code listener} (its name): {@code evbase.connections.active},
 * {@code evbase.connections.accepted}, {@code evbase.connections.rejected} (also tagged {@code reason}),
 * {@code evbase.bytes.read} and {@code evbase.bytes.written} (bytes).
 *
 * <p>The meters are bound for the configured listeners, before the server binds them; until it has, they read 0.
 *
 * <p>Threading: {@link #bindTo} once; the meters read the listeners' thread-safe counters from any thread.
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
            Tags tags = Tags.of("listener", name);
            Gauge.builder("evbase.connections.active", server, read(name, BoundListener::openConnections)).tags(tags)
                    .description("Open connections").register(registry);
            FunctionCounter.builder("evbase.connections.accepted", server, read(name, BoundListener::accepted)).tags(tags)
                    .description("Connections accepted").register(registry);
            for (BoundListener.RejectReason reason : BoundListener.RejectReason.values()) {
                FunctionCounter.builder("evbase.connections.rejected", server, read(name, l -> l.rejected(reason)))
                        .tags(tags).tag("reason", reason.tag())
                        .description("Connections refused at accept time").register(registry);
            }
            FunctionCounter.builder("evbase.bytes.read", server, read(name, BoundListener::bytesRead)).tags(tags)
                    .baseUnit(BaseUnits.BYTES).description("Bytes read from the listener's connections")
                    .register(registry);
            FunctionCounter.builder("evbase.bytes.written", server, read(name, BoundListener::bytesWritten)).tags(tags)
                    .baseUnit(BaseUnits.BYTES).description("Bytes written to the listener's connections")
                    .register(registry);
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
