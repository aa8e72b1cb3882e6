package io.evbase.loop;

import java.util.ArrayDeque;
import java.util.Iterator;
import org.HdrHistogram.Histogram;

/**
 * Task latency (post to run) of one loop over the last minute, from the cumulative histogram in its
 * {@link LoopStats}: a {@link LoopSampler} keeps a snapshot every few seconds, and a reading subtracts the newest
 * snapshot that is at least {@link #SPAN_NANOS} old from the histogram now.
 *
 * <p>Threading: thread-safe; the sampler writes, anyone reads. The loop thread is not involved: it records into
 * the wait-free recorder of {@link LoopStats} as always.
 */
public final class TaskLatencyWindow {

    /** The span of a reading: one minute (up to one snapshot period more). */
    static final long SPAN_NANOS = LoadWindow.ONE_MINUTE.span().toNanos();

    private final LoopStats stats;
    private final ArrayDeque<Snapshot> snapshots = new ArrayDeque<>();

    TaskLatencyWindow(LoopStats stats) {
        this.stats = stats;
    }

    /** Takes a snapshot of the cumulative histogram and drops the ones no reading needs any more. */
    synchronized void sample(long nowNanos) {
        snapshots.addLast(new Snapshot(nowNanos, stats.taskLatency()));
        // Keep the newest snapshot at or before the window's start, and everything after it.
        long from = nowNanos - SPAN_NANOS;
        while (snapshots.size() > 1) {
            Iterator<Snapshot> it = snapshots.iterator();
            it.next();
            if (it.next().nanos - from <= 0) {
                snapshots.removeFirst();
            } else {
                break;
            }
        }
    }

    /** Latency of the tasks run in the last minute (or since the loop started, when that is more recent). */
    public synchronized Histogram recent() {
        Histogram now = stats.taskLatency();
        long from = System.nanoTime() - SPAN_NANOS;
        Snapshot base = null;
        for (Snapshot s : snapshots) {
            if (base == null || s.nanos - from <= 0) {
                base = s;
            }
        }
        if (base != null) {
            now.subtract(base.histogram);
        }
        return now;
    }

    /** Latency of every task since the loop started. */
    public Histogram sinceStart() {
        return stats.taskLatency();
    }

    private record Snapshot(long nanos, Histogram histogram) {
    }
}
