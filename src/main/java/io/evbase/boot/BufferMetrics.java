package io.evbase.boot;

import static io.evbase.boot.EvbaseMeters.BUFFER_CONNECTIONS_INPUT;
import static io.evbase.boot.EvbaseMeters.BUFFER_CONNECTIONS_OUTPUT;
import static io.evbase.boot.EvbaseMeters.BUFFER_POOL_ALLOCATED;
import static io.evbase.boot.EvbaseMeters.BUFFER_POOL_BUDGET;
import static io.evbase.boot.EvbaseMeters.BUFFER_POOL_CACHED;
import static io.evbase.boot.EvbaseMeters.BUFFER_POOL_USED;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.net.Server;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters of the buffer memory, in bytes: the pool's {@link EvbaseMeters#BUFFER_POOL_ALLOCATED},
 * {@link EvbaseMeters#BUFFER_POOL_USED} and {@link EvbaseMeters#BUFFER_POOL_CACHED}; the bytes held in connections'
 * buffers right now, {@link EvbaseMeters#BUFFER_CONNECTIONS_INPUT} and {@link EvbaseMeters#BUFFER_CONNECTIONS_OUTPUT},
 * tagged {@code loop}.
 *
 * <p>Threading: {@link #bindTo} once per registry; the meters read thread-safe counters from any thread.
 */
public class BufferMetrics implements MeterBinder {

    private final Server server;

    public BufferMetrics(Server server) {
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        BufferPool pool = server.bufferPool();
        BUFFER_POOL_BUDGET.gauge(pool, BufferPool::budgetBytes).register(registry);
        BUFFER_POOL_ALLOCATED.gauge(pool, BufferPool::allocatedBytes).register(registry);
        BUFFER_POOL_USED.gauge(pool, BufferPool::inUseBytes).register(registry);
        BUFFER_POOL_CACHED.gauge(pool, BufferPool::cachedBytes).register(registry);
        String loopTag = EvbaseMeters.Tag.LOOP.asString();
        for (EventBase loop : server.group().loops()) {
            String id = Integer.toString(loop.id());
            BUFFER_CONNECTIONS_INPUT.gauge(server, s -> s.inputBytes(loop))
                    .tags(BUFFER_CONNECTIONS_INPUT.tags(loopTag, id)).register(registry);
            BUFFER_CONNECTIONS_OUTPUT.gauge(server, s -> s.outputBytes(loop))
                    .tags(BUFFER_CONNECTIONS_OUTPUT.tags(loopTag, id)).register(registry);
        }
    }
}
