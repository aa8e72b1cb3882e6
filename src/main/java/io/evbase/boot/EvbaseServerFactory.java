package io.evbase.boot;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.ProtocolHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;

/**
 * Turns {@link EvbaseProperties} into a {@link Server}: resolves each listener's protocol to the
 * {@link ProtocolHandler} bean of that name and checks the limits.
 *
 * <p>Threading: used once, on the thread that refreshes the application context.
 */
final class EvbaseServerFactory {

    private EvbaseServerFactory() {
    }

    static Server create(EvbaseProperties properties, EventBaseGroup group, BufferPool pool,
            ListableBeanFactory beans, Executor blockingExecutor) {
        List<ListenerSpec> listeners = new ArrayList<>();
        for (Map.Entry<String, EvbaseProperties.ListenerProperties> entry : properties.getListeners().entrySet()) {
            listeners.add(listenerConfig(entry.getKey(), entry.getValue(), beans, blockingExecutor));
        }
        return new Server(group, pool, listeners, properties.getHandOffQueueSize(), properties.getAcceptPause(),
                properties.getStallThreshold());
    }

    static ListenerSpec listenerConfig(String name, EvbaseProperties.ListenerProperties l, ListableBeanFactory beans,
            Executor blockingExecutor) {
        String protocol = l.getProtocol();
        if (protocol == null || protocol.isBlank()) {
            throw new IllegalStateException("evbase.listeners." + name + ".protocol is not set");
        }
        ProtocolHandler<?> handler;
        try {
            handler = beans.getBean(protocol, ProtocolHandler.class);
        } catch (NoSuchBeanDefinitionException e) {
            throw new IllegalStateException("evbase.listeners." + name + ".protocol=" + protocol
                    + " names no ProtocolHandler bean; known protocols: "
                    + String.join(", ", beans.getBeanNamesForType(ProtocolHandler.class)), e);
        }
        return new ListenerSpec(name, protocol, l.getBindAddress(), l.getPort(), l.getBacklog(), handler,
                l.getIdleTimeout(), l.getReadTimeout(), l.getWriteTimeout(), toInt(name, l.getReadHighWatermark()),
                toInt(name, l.getWriteHighWatermark()), toInt(name, l.getWriteLowWatermark()), l.getMaxConnections(),
                l.getMaxRequestsInFlight(), blockingExecutor);
    }

    private static int toInt(String listener, org.springframework.util.unit.DataSize size) {
        long bytes = size.toBytes();
        if (bytes <= 0 || bytes > Integer.MAX_VALUE / 2) {
            throw new IllegalStateException("evbase.listeners." + listener + ": watermark out of range: " + size);
        }
        return (int) bytes;
    }
}
