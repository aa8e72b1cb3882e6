package io.evbase.boot;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.EventBase;
import io.evbase.net.Server;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters of the buffer memory, in bytes: the pool's {@code evbase.buffer.pool.allocated}, {@code .used} and
 * {@code .cached}; the bytes held in connections' buffers right now, {@code evbase.buffer.connections.input} and
 * {@code .output}, tagged {@code loop}.
 *
 * <p>Threading: {@link #bindTo} once; the meters read thread-safe counters from any thread.
 */
public class BufferMetrics implements MeterBinder {

    private final Server server;

    public BufferMetrics(Server server) {
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        BufferPool pool = server.bufferPool();
        Gauge.builder("evbase.buffer.pool.budget", pool, BufferPool::budgetBytes).baseUnit(BaseUnits.BYTES)
                .description("Direct memory the buffer pool never exceeds").register(registry);
        Gauge.builder("evbase.buffer.pool.allocated", pool, BufferPool::allocatedBytes).baseUnit(BaseUnits.BYTES)
                .description("Direct memory the buffer pool holds, in use or cached").register(registry);
        Gauge.builder("evbase.buffer.pool.used", pool, BufferPool::inUseBytes).baseUnit(BaseUnits.BYTES)
                .description("Pooled memory held by connections' buffers").register(registry);
        Gauge.builder("evbase.buffer.pool.cached", pool, BufferPool::cachedBytes).baseUnit(BaseUnits.BYTES)
                .description("Pooled memory kept free for reuse, in loop caches and the shared list")
                .register(registry);
        for (EventBase loop : server.group().loops()) {
            String id = Integer.toString(loop.id());
            Gauge.builder("evbase.buffer.connections.input", server, s -> s.inputBytes(loop)).tag("loop", id)
                    .baseUnit(BaseUnits.BYTES).description("Unconsumed bytes in connections' input buffers")
                    .register(registry);
            Gauge.builder("evbase.buffer.connections.output", server, s -> s.outputBytes(loop)).tag("loop", id)
                    .baseUnit(BaseUnits.BYTES).description("Bytes queued in connections' output buffers")
                    .register(registry);
        }
    }
}
