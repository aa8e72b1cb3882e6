package io.evbase.loop;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The work accounting of one loop: time spent working against waiting in the selector, iterations, I/O events,
 * tasks, task latency (post to run) and the longest single callback.
 *
 * <p>Threading: the counters are written only by the loop thread (plain increments published through volatile
 * fields, so a reader on another thread sees a recent, never torn, value); the readers are thread-safe.
 * Task latency goes to an HdrHistogram {@link Recorder}, whose writer side is wait-free for the loop.
 */
public final class LoopStats {

    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Recorder taskLatency = new Recorder(MAX_LATENCY_NANOS, 2);
    private Histogram latencyInterval;
    private final Histogram latencyTotal = new Histogram(MAX_LATENCY_NANOS, 2);

    private volatile long busyNanos;
    private volatile long iterations;
    private volatile long ioEvents;
    private volatile long tasksRun;
    private volatile long longestCallbackNanos;
    private volatile String longestCallback = "";

    // ---------------------------------------------------------------- loop thread

    void addBusy(long nanos) {
        busyNanos = busyNanos + nanos;
        iterations = iterations + 1;
    }

    void ioEvent() {
        ioEvents = ioEvents + 1;
    }

    void taskRun(long latencyNanos) {
        tasksRun = tasksRun + 1;
        if (latencyNanos >= 0) {
            taskLatency.recordValue(Math.min(latencyNanos, MAX_LATENCY_NANOS));
        }
    }

    void recordCallback(long nanos, Object what) {
        if (nanos > longestCallbackNanos) {
            longestCallbackNanos = nanos;
            longestCallback = describe(what);
        }
    }

    /** The callback's class; a lambda is named after the class that wrote it, without the JVM's generated suffix. */
    static String describe(Object what) {
        if (what == null) {
            return "";
        }
        String name = what.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda < 0 ? name : name.substring(0, lambda) + " (lambda)";
    }

    // ---------------------------------------------------------------- any thread

    /** Total nanoseconds spent working (not waiting in the selector) since the loop started. */
    public long busyNanos() {
        return busyNanos;
    }

    public long iterations() {
        return iterations;
    }

    public long ioEvents() {
        return ioEvents;
    }

    public long tasksRun() {
        return tasksRun;
    }

    public long longestCallbackNanos() {
        return longestCallbackNanos;
    }

    /** The class of the longest callback so far (the handler or task that ran longest). */
    public String longestCallback() {
        return longestCallback;
    }

    /**
     * Task latency recorded since the loop started, as a copy. Thread-safe; each call folds the interval recorded
     * since the previous call into the running total.
     */
    public synchronized Histogram taskLatency() {
        latencyInterval = taskLatency.getIntervalHistogram(latencyInterval);
        latencyTotal.add(latencyInterval);
        return latencyTotal.copy();
    }
}
