package io.evbase.boot;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.net.tls.ListenerTls;
import io.evbase.protocol.ProtocolHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.boot.ssl.SslBundles;

/**
 * Turns {@link EvbaseProperties} into a {@link Server}: resolves each listener's protocol to the
 * {@link ProtocolHandler} bean of that name, checks the limits and fills in the default connection limits from
 * the descriptor budget ({@link DescriptorBudget}). A listener that cannot work fails start-up with an
 * {@link InvalidListenerException}, which {@link InvalidListenerFailureAnalyzer} reports in one line.
 *
 * <p>Threading: used once, on the thread that refreshes the application context.
 */
final class EvbaseServerFactory {

    private static final Log LOG = LogFactory.getLog(EvbaseServerFactory.class);

    private EvbaseServerFactory() {
    }

    static Server create(EvbaseProperties properties, EventBaseGroup group, BufferPool pool,
            ListableBeanFactory beans, Executor blockingExecutor) {
        Map<String, Integer> configuredLimits = new LinkedHashMap<>();
        properties.getListeners().forEach((name, l) -> configuredLimits.put(name, l.getMaxConnections()));
        OptionalLong descriptors = DescriptorBudget.descriptorLimit();
        Map<String, Integer> limits = DescriptorBudget.maxConnections(configuredLimits, descriptors);
        DescriptorBudget.overcommitWarning(limits, descriptors).ifPresent(LOG::warn);
        List<ListenerSpec> listeners = new ArrayList<>();
        for (Map.Entry<String, EvbaseProperties.ListenerProperties> entry : properties.getListeners().entrySet()) {
            listeners.add(listenerConfig(entry.getKey(), entry.getValue(), beans, limits.get(entry.getKey()),
                    blockingExecutor));
        }
        return new Server(group, pool, listeners, properties.getHandOffQueueSize(), properties.getAcceptPause(),
                properties.getStallThreshold());
    }

    static ListenerSpec listenerConfig(String name, EvbaseProperties.ListenerProperties l, ListableBeanFactory beans,
            int maxConnections, Executor blockingExecutor) {
        String prefix = "evbase.listeners." + name;
        if (l.getPort() == null) {
            throw new InvalidListenerException(name, prefix + ".port is not set",
                    "Set " + prefix + ".port to the port to listen on (0 picks a free one).");
        }
        String protocol = l.getProtocol();
        if (protocol == null || protocol.isBlank()) {
            throw new InvalidListenerException(name, prefix + ".protocol is not set",
                    "Set " + prefix + ".protocol to one of the known protocols (" + known(beans)
                            + "), or define a ProtocolHandler bean and name it there.");
        }
        ProtocolHandler<?> handler = handler(name, protocol, beans);
        try {
            return new ListenerSpec(name, protocol, l.getBindAddress(), l.getPort(), l.getBacklog(), handler,
                    l.getIdleTimeout(), l.getReadTimeout(), l.getWriteTimeout(), toInt(name, l.getReadHighWatermark()),
                    toInt(name, l.getWriteHighWatermark()), toInt(name, l.getWriteLowWatermark()), maxConnections,
                    l.getMaxRequestsInFlight(), blockingExecutor, tls(name, l.getSsl(), beans));
        } catch (IllegalArgumentException e) {
            throw new InvalidListenerException(name, prefix + ": " + e.getMessage(),
                    "Fix the " + prefix + ".* properties named above.");
        }
    }

    /** The listener's TLS from its SSL bundle, or null without one. */
    private static ListenerTls tls(String name, EvbaseProperties.Ssl ssl, ListableBeanFactory beans) {
        if (!ssl.isEnabled()) {
            return null;
        }
        String property = "evbase.listeners." + name + ".ssl.bundle";
        SslBundles bundles = beans.getBeanProvider(SslBundles.class).getIfAvailable();
        if (bundles == null) {
            throw new InvalidListenerException(name, property + " is set but the application has no SSL bundles",
                    "Let Spring Boot's SslAutoConfiguration run, or define an SslBundles bean.");
        }
        try {
            return EvbaseTls.create(name, ssl, bundles);
        } catch (IllegalStateException e) {
            throw new InvalidListenerException(name, e.getMessage(), "Define the SSL bundle spring.ssl.bundle.pem."
                    + ssl.getBundle() + " (certificate and private-key) or spring.ssl.bundle.jks." + ssl.getBundle()
                    + ", with files that can be read, or unset " + property + ".");
        }
    }

    private static ProtocolHandler<?> handler(String name, String protocol, ListableBeanFactory beans) {
        String property = "evbase.listeners." + name + ".protocol";
        if (!beans.containsBean(protocol)) {
            throw new InvalidListenerException(name, property + "=" + protocol
                    + " names no protocol handler; known protocols: " + known(beans),
                    "Set " + property + " to one of the known protocols, or define a ProtocolHandler bean named '"
                            + protocol + "'.");
        }
        try {
            return beans.getBean(protocol, ProtocolHandler.class);
        } catch (BeanNotOfRequiredTypeException e) {
            throw new InvalidListenerException(name, property + "=" + protocol + " names a bean that is not a "
                    + "protocol handler; known protocols: " + known(beans),
                    "Set " + property + " to one of the known protocols, or make the bean '" + protocol
                            + "' a ProtocolHandler.");
        }
    }

    private static String known(ListableBeanFactory beans) {
        String[] names = beans.getBeanNamesForType(ProtocolHandler.class, true, false);
        return names.length == 0 ? "none" : String.join(", ", names);
    }

    private static int toInt(String listener, org.springframework.util.unit.DataSize size) {
        long bytes = size.toBytes();
        if (bytes <= 0 || bytes > Integer.MAX_VALUE / 2) {
            throw new InvalidListenerException(listener, "evbase.listeners." + listener
                    + ": watermark out of range: " + size, "Use a watermark between 1B and 1GB.");
        }
        return (int) bytes;
    }
}
