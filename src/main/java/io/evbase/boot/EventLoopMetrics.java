package io.evbase.boot;

import io.evbase.loop.EventBase;
import io.evbase.loop.LoadWindow;
import io.evbase.loop.LoopSampler;
import io.evbase.loop.StallWatchdog;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Meters of the worker loops, tagged {@code loop} (the loop's id):
 * {@code evbase.loop.load} (also tagged {@code window}: 1s, 10s, 60s), {@code evbase.loop.tasks.pending},
 * {@code evbase.loop.task.latency} (a function timer over the loop's task latency histogram: count and total
 * since start; percentiles and max are in the {@code reactor} endpoint), {@code evbase.loop.iterations},
 * {@code evbase.loop.stalls}.
 *
 * <p>Threading: {@link #bindTo} once, from the thread that configures the registry; the meters are read from
 * the registry's publishing threads and only read published values.
 */
public class EventLoopMetrics implements MeterBinder {

    private final List<EventBase> loops;
    private final LoopSampler sampler;
    private final StallWatchdog watchdog;

    public EventLoopMetrics(List<EventBase> loops, LoopSampler sampler, StallWatchdog watchdog) {
        this.loops = List.copyOf(loops);
        this.sampler = sampler;
        this.watchdog = watchdog;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (EventBase loop : loops) {
            Tags tags = Tags.of("loop", Integer.toString(loop.id()));
            for (LoadWindow window : LoadWindow.values()) {
                Gauge.builder("evbase.loop.load", sampler, s -> s.load(loop).load(window))
                        .tags(tags).tag("window", window.label())
                        .description("Share of wall time the loop spent working rather than waiting for events")
                        .register(registry);
            }
            Gauge.builder("evbase.loop.tasks.pending", loop, EventBase::pendingTasks).tags(tags)
                    .description("Tasks posted to the loop and not yet run").register(registry);
            FunctionTimer.builder("evbase.loop.task.latency", loop, l -> l.stats().taskLatency().getTotalCount(),
                    EventLoopMetrics::totalLatencyNanos, TimeUnit.NANOSECONDS).tags(tags)
                    .description("Time from posting a task to the loop to running it").register(registry);
            FunctionCounter.builder("evbase.loop.iterations", loop, l -> l.stats().iterations()).tags(tags)
                    .description("Loop iterations: wait for events, handle them, run timers and tasks")
                    .register(registry);
            FunctionCounter.builder("evbase.loop.stalls", watchdog, w -> w.stalls(loop)).tags(tags)
                    .description("Times the loop was stuck in one iteration for longer than the stall threshold")
                    .register(registry);
        }
    }

    private static double totalLatencyNanos(EventBase loop) {
        Histogram h = loop.stats().taskLatency();
        return h.getTotalCount() == 0 ? 0 : h.getMean() * h.getTotalCount();
    }
}
