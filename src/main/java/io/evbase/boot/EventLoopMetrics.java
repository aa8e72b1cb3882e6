package io.evbase.boot;

import static io.evbase.boot.EvbaseMeters.LOOP_BUSY;
import static io.evbase.boot.EvbaseMeters.LOOP_ITERATIONS;
import static io.evbase.boot.EvbaseMeters.LOOP_LOAD;
import static io.evbase.boot.EvbaseMeters.LOOP_STALLS;
import static io.evbase.boot.EvbaseMeters.LOOP_TASKS_PENDING;
import static io.evbase.boot.EvbaseMeters.LOOP_TASK_LATENCY;

import io.evbase.loop.EventBase;
import io.evbase.loop.LoadWindow;
import io.evbase.loop.LoopSampler;
import io.evbase.loop.StallWatchdog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Meters of the worker loops, tagged {@code loop} (the loop's id): {@link EvbaseMeters#LOOP_LOAD} (also tagged
 * {@code window}), {@link EvbaseMeters#LOOP_BUSY}, {@link EvbaseMeters#LOOP_TASKS_PENDING},
 * {@link EvbaseMeters#LOOP_TASK_LATENCY}, {@link EvbaseMeters#LOOP_ITERATIONS}, {@link EvbaseMeters#LOOP_STALLS}.
 *
 * <p>Task latency is a timer with fixed buckets ({@link #LATENCY_BUCKETS}): in Prometheus a histogram, so
 * {@code histogram_quantile} over the buckets summed across pods works. The loop itself records each task's latency
 * into its HdrHistogram (wait-free, nothing else on the loop thread); every {@link #FEED_PERIOD} a thread of this
 * binder takes one copy of each loop's cumulative histogram, subtracts the copy it took before and records the
 * difference into the timers, so count, sum and buckets come from the same snapshot. The cost is one timer record
 * per task, on that thread.
 *
 * <p>The busy counter reads the loop's busy time including the iteration in progress (so a stalled loop counts as
 * busy at once) and never goes back.
 *
 * <p>Threading: {@link #bindTo} once per registry, from the thread that configures it; the meters are read from
 * the registries' threads and only read published values; {@link #close()} stops the feeding thread.
 */
public class EventLoopMetrics implements MeterBinder, AutoCloseable {

    private static final Log LOG = LogFactory.getLog(EventLoopMetrics.class);

    /** The task latency histogram's bucket bounds, from 10 µs to 10 s. */
    static final Duration[] LATENCY_BUCKETS = { micros(10), micros(25), micros(50), micros(100), micros(250),
            micros(500), Duration.ofMillis(1), micros(2_500), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
            Duration.ofSeconds(10) };

    /** How often the task latency timers take in what the loops recorded. */
    static final Duration FEED_PERIOD = Duration.ofSeconds(1);

    private final List<EventBase> loops;
    private final LoopSampler sampler;
    private final StallWatchdog watchdog;
    private final List<LatencyFeed> feeds = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService feeder;

    public EventLoopMetrics(List<EventBase> loops, LoopSampler sampler, StallWatchdog watchdog) {
        this.loops = List.copyOf(loops);
        this.sampler = sampler;
        this.watchdog = watchdog;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String loopTag = EvbaseMeters.Tag.LOOP.asString();
        for (EventBase loop : loops) {
            String id = Integer.toString(loop.id());
            for (LoadWindow window : LoadWindow.values()) {
                LOOP_LOAD.gauge(sampler, s -> s.load(loop).load(window))
                        .tags(LOOP_LOAD.tags(loopTag, id, EvbaseMeters.Tag.WINDOW.asString(), window.label()))
                        .register(registry);
            }
            AtomicLong busiest = new AtomicLong();
            LOOP_BUSY.functionCounter(loop, l -> busiest.accumulateAndGet(l.busyNanos(System.nanoTime()), Math::max) / 1e9)
                    .tags(LOOP_BUSY.tags(loopTag, id)).register(registry);
            LOOP_TASKS_PENDING.gauge(loop, EventBase::pendingTasks).tags(LOOP_TASKS_PENDING.tags(loopTag, id))
                    .register(registry);
            Timer latency = LOOP_TASK_LATENCY.timer().tags(LOOP_TASK_LATENCY.tags(loopTag, id))
                    .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
            feeds.add(new LatencyFeed(loop, latency));
            LOOP_ITERATIONS.functionCounter(loop, l -> l.stats().iterations()).tags(LOOP_ITERATIONS.tags(loopTag, id))
                    .register(registry);
            LOOP_STALLS.functionCounter(watchdog, w -> w.stalls(loop)).tags(LOOP_STALLS.tags(loopTag, id))
                    .register(registry);
        }
        startFeeding();
    }

    private synchronized void startFeeding() {
        if (feeder == null) {
            feeder = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "evbase-latency-meter");
                t.setDaemon(true);
                return t;
            });
            feeder.scheduleWithFixedDelay(this::feed, 0, FEED_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Records what every loop ran since the previous feed into its timers; the feeding thread calls it, tests may. */
    synchronized void feed() {
        try {
            for (LatencyFeed f : feeds) {
                f.feed();
            }
        } catch (RuntimeException e) {
            LOG.warn("recording the loops' task latency into the meters failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (feeder != null) {
            feeder.shutdownNow();
        }
    }

    private static Duration micros(long us) {
        return Duration.ofNanos(us * 1_000);
    }

    /** One loop's timer in one registry and the cumulative histogram it has taken in so far. */
    private static final class LatencyFeed {

        private final EventBase loop;
        private final Timer timer;
        private Histogram seen;

        LatencyFeed(EventBase loop, Timer timer) {
            this.loop = loop;
            this.timer = timer;
        }

        /** Called under the binder's lock. */
        void feed() {
            Histogram now = loop.stats().taskLatency(); // one consistent copy of everything recorded so far
            Histogram delta = now.copy();
            if (seen != null) {
                delta.subtract(seen);
            }
            seen = now;
            if (delta.getTotalCount() == 0) {
                return;
            }
            for (HistogramIterationValue v : delta.recordedValues()) {
                long nanos = delta.medianEquivalentValue(v.getValueIteratedTo());
                for (long i = v.getCountAtValueIteratedTo(); i > 0; i--) {
                    timer.record(nanos, TimeUnit.NANOSECONDS);
                }
            }
        }
    }
}
