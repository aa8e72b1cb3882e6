package io.evbase.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Samples the accounting of a set of loops on a daemon thread of its own, so that their load can be read over
 * recent windows ({@link LoopLoad}) and their task latency over the last minute ({@link TaskLatencyWindow}).
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

    private final List<EventBase> loops;
    private final List<LoopLoad> loads = new ArrayList<>();
    private final List<TaskLatencyWindow> latencies = new ArrayList<>();
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
        this.thread = new Thread(this::run, "evbase-loop-sampler");
        this.thread.setDaemon(true);
    }

    /**
     * Takes a first sample, before returning (what the loops do from here on is measured against it: a first sample
     * taken later by the thread would hide the tasks run before it), and starts sampling.
     */
    public LoopSampler start() {
        sample(System.nanoTime(), true);
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
                sample(System.nanoTime(), tick % latencyEvery == 0);
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
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
