package io.evbase.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Samples the accounting of a set of loops on a daemon thread of its own, so that their load can be read over
 * recent windows ({@link LoopLoad}), their task latency over the last minute ({@link TaskLatencyWindow}) and their
 * load second by second over the last minutes ({@link LoadHistory}).
 * Reading a loop's cumulative busy time costs the loop nothing: the sampler reads two volatile fields per loop
 * every {@link #DEFAULT_PERIOD} and takes a latency snapshot every {@link #LATENCY_PERIOD}.
 *
 * <p>Threading: thread-safe. {@link #start()} and {@link #close()} once each, from any thread; the readings from
 * any thread.
 */
public final class LoopSampler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LoopSampler.class.getName());

    /** How often busy time is sampled; the load windows are exact up to this. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMillis(250);
    /** How often a task latency snapshot is kept; the latency window is exact up to this. */
    static final Duration LATENCY_PERIOD = Duration.ofSeconds(10);
    /** How much wall time each point of the {@link #history()} covers. */
    public static final Duration HISTORY_PERIOD = Duration.ofSeconds(1);
    /** How far back the {@link #history()} reaches. */
    public static final Duration HISTORY_SPAN = Duration.ofMinutes(5);

    private final List<EventBase> loops;
    private final List<LoopLoad> loads = new ArrayList<>();
    private final List<TaskLatencyWindow> latencies = new ArrayList<>();
    private final LoadHistory history;
    private final long periodNanos;
    private final Thread thread;
    private volatile boolean closed;

    public LoopSampler(List<EventBase> loops) {
        this(loops, DEFAULT_PERIOD);
    }

    LoopSampler(List<EventBase> loops, Duration period) {
        this.loops = List.copyOf(loops);
        this.periodNanos = period.toNanos();
        for (EventBase loop : this.loops) {
            loads.add(new LoopLoad(loop, periodNanos));
            latencies.add(new TaskLatencyWindow(loop.stats()));
        }
        this.history = new LoadHistory(this.loops, HISTORY_PERIOD,
                (int) (HISTORY_SPAN.toNanos() / HISTORY_PERIOD.toNanos()));
        this.thread = new Thread(this::run, "evbase-loop-sampler");
        this.thread.setDaemon(true);
    }

    /**
     * Takes a first sample, before returning (what the loops do from here on is measured against it: a first sample
     * taken later by the thread would hide the tasks run before it), and starts sampling.
     */
    public LoopSampler start() {
        long now = System.nanoTime();
        sample(now, true);
        history.sample(now);
        thread.start(); // publishes the first sample to the sampler thread
        return this;
    }

    /** The load of {@code loop}, which must be one of this sampler's loops. */
    public LoopLoad load(EventBase loop) {
        return loads.get(indexOf(loop));
    }

    /** The task latency of {@code loop} over the last minute. */
    public TaskLatencyWindow taskLatency(EventBase loop) {
        return latencies.get(indexOf(loop));
    }

    /** Every loop's load over the last {@link #HISTORY_SPAN}, a point per {@link #HISTORY_PERIOD}. */
    public LoadHistory history() {
        return history;
    }

    public List<EventBase> loops() {
        return loops;
    }

    /** Samples every loop now; the sampler thread calls this, tests may too. */
    void sample(long nowNanos, boolean latency) {
        for (LoopLoad load : loads) {
            load.sample(nowNanos);
        }
        if (latency) {
            for (TaskLatencyWindow w : latencies) {
                w.sample(nowNanos);
            }
        }
    }

    private int indexOf(EventBase loop) {
        return EventBaseGroup.indexOf(loops, loop, "sampled");
    }

    private void run() {
        long latencyEvery = Math.max(1, LATENCY_PERIOD.toNanos() / periodNanos);
        long historyEvery = Math.max(1, HISTORY_PERIOD.toNanos() / periodNanos);
        long tick = 0; // start() took sample 0: wait a period first
        long next = System.nanoTime();
        while (!closed) {
            tick++;
            next += periodNanos;
            long wait;
            while (!closed && (wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, wait);
            }
            if (closed) {
                break;
            }
            try {
                long now = System.nanoTime();
                sample(now, tick % latencyEvery == 0);
                if (tick % historyEvery == 0) {
                    history.sample(now);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sampling the loops failed", e);
            }
            if (System.nanoTime() - next > periodNanos) {
                next = System.nanoTime(); // fell behind (suspended, GC): do not catch up in a burst
            }
        }
    }

    /** Stops the sampler thread; the readings keep their last samples. */
    @Override
    public void close() {
        closed = true;
        DaemonThreads.stop(thread);
    }
}
