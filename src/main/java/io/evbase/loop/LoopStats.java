package io.evbase.loop;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The work accounting of one loop: time spent working against waiting in the selector, iterations, I/O events,
 * tasks, task latency (post to run) and the longest single callback.
 *
 * <p>Threading: the counters are written only by the loop thread (plain increments published through volatile
 * fields, so a reader on another thread sees a recent, never torn, value); the readers are thread-safe. Figures
 * that belong together are published together: the longest callback as one immutable {@link LongestCallback}, the
 * task latency count and total from one histogram ({@link #taskLatencyTotals()}). Task latency goes to an
 * HdrHistogram {@link Recorder}, whose writer side is wait-free for the loop.
 */
public final class LoopStats {

    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Recorder taskLatency = new Recorder(MAX_LATENCY_NANOS, 2);
    private Histogram latencyInterval;
    private final Histogram latencyTotal = new Histogram(MAX_LATENCY_NANOS, 2);

    private final BusyAverage busyAverage = new BusyAverage(System.nanoTime());
    private volatile long busyNanos;
    private volatile long iterations;
    private volatile long ioEvents;
    private volatile long tasksRun;
    private volatile LongestCallback longestCallback = new LongestCallback("", 0);

    // ---------------------------------------------------------------- loop thread

    /** An iteration that began working at {@code startNanos} ended at {@code endNanos}. */
    void addBusy(long startNanos, long endNanos) {
        busyNanos = busyNanos + (endNanos - startNanos);
        iterations = iterations + 1;
        busyAverage.update(startNanos, endNanos);
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
        if (nanos > longestCallback.nanos()) {
            longestCallback = new LongestCallback(describe(what), nanos); // rare: only a new longest allocates
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

    /** The busy ratio's moving average ({@link BusyAverage}) as of {@code nowNanos}, given the loop's work start. */
    double recentLoad(long nowNanos, long workStartNanos) {
        return busyAverage.read(nowNanos, workStartNanos);
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

    /** The longest single callback so far (I/O handler, task or timer): its class and duration, read together. */
    public LongestCallback longestCallback() {
        return longestCallback;
    }

    /**
     * Task latency recorded since the loop started, as a copy. Thread-safe; each call folds the interval recorded
     * since the previous call into the running total.
     */
    public synchronized Histogram taskLatency() {
        fold();
        return latencyTotal.copy();
    }

    /**
     * The count and total of the task latency recorded since the loop started, both from the same histogram, so
     * that a reader (a meter: count and sum) never pairs the count of one moment with the total of another.
     * Thread-safe; cheaper than {@link #taskLatency()} (no copy).
     */
    public synchronized TaskLatencyTotals taskLatencyTotals() {
        fold();
        long count = latencyTotal.getTotalCount();
        return new TaskLatencyTotals(count, count == 0 ? 0 : latencyTotal.getMean() * count);
    }

    private void fold() {
        latencyInterval = taskLatency.getIntervalHistogram(latencyInterval);
        latencyTotal.add(latencyInterval);
    }

    /**
     * The longest callback of a loop.
     *
     * @param name  the callback's class ({@link #describe})
     * @param nanos how long it ran
     */
    public record LongestCallback(String name, long nanos) {
    }

    /**
     * Task latency totals read together.
     *
     * @param count      tasks whose latency was recorded
     * @param totalNanos their summed latency, from the histogram (exact to its two significant digits)
     */
    public record TaskLatencyTotals(long count, double totalNanos) {
    }
}
