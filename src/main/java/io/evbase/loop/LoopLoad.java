package io.evbase.loop;

import java.util.EnumMap;
import java.util.Map;

/**
 * The load of one loop: the share of wall time it spent working rather than waiting in its selector, over each
 * {@link LoadWindow}.
 *
 * <p>A {@link LoopSampler} records the loop's cumulative busy time ({@link EventBase#busyNanos(long)}, which
 * includes the iteration in progress, so a stalled loop reads fully busy at once) every sampling period into a
 * ring long enough for the longest window. A reading compares the busy time now with the newest sample at least
 * one window old: the window is exact up to one sampling period, and the loop thread pays nothing for it.
 *
 * <p>Threading: thread-safe; the sampler writes, anyone reads.
 */
public final class LoopLoad {

    private final EventBase loop;
    private final long[] times;
    private final long[] busy;
    /** Index the next sample goes to. */
    private int next;
    private int size;

    LoopLoad(EventBase loop, long samplePeriodNanos) {
        this.loop = loop;
        int capacity = (int) (LoadWindow.longest().span().toNanos() / samplePeriodNanos) + 2;
        this.times = new long[capacity];
        this.busy = new long[capacity];
    }

    public EventBase loop() {
        return loop;
    }

    /** Records the loop's busy time as of {@code nowNanos}. Called by the sampler. */
    synchronized void sample(long nowNanos) {
        record(nowNanos, loop.busyNanos(nowNanos));
    }

    /** Records a sample; package-private so that tests can feed synthetic time. */
    synchronized void record(long nowNanos, long busyNanos) {
        if (size > 0) {
            busyNanos = Math.max(busyNanos, busy[newest()]); // busy time never goes back
        }
        times[next] = nowNanos;
        busy[next] = busyNanos;
        next = (next + 1) % times.length;
        size = Math.min(size + 1, times.length);
    }

    /** Busy ratio over {@code window} up to now, between 0 and 1. */
    public double load(LoadWindow window) {
        long now = System.nanoTime();
        return load(window, now, loop.busyNanos(now));
    }

    /** Busy ratio of every window, in window order. */
    public Map<LoadWindow, Double> loads() {
        long now = System.nanoTime();
        long busyNow = loop.busyNanos(now);
        Map<LoadWindow, Double> loads = new EnumMap<>(LoadWindow.class);
        for (LoadWindow w : LoadWindow.values()) {
            loads.put(w, load(w, now, busyNow));
        }
        return loads;
    }

    synchronized double load(LoadWindow window, long nowNanos, long busyNowNanos) {
        if (size == 0) {
            return 0;
        }
        long from = nowNanos - window.span().toNanos();
        // The newest sample at or before the window's start; the oldest one while history is shorter.
        int pick = -1;
        for (int k = 1; k <= size; k++) {
            int i = Math.floorMod(next - k, times.length);
            pick = i;
            if (times[i] - from <= 0) {
                break;
            }
        }
        long elapsed = nowNanos - times[pick];
        if (elapsed <= 0) {
            return 0;
        }
        long worked = Math.max(busyNowNanos, busy[newest()]) - busy[pick];
        return Math.max(0, Math.min(1, (double) worked / elapsed));
    }

    private int newest() {
        return Math.floorMod(next - 1, times.length);
    }

    @Override
    public String toString() {
        Map<LoadWindow, Double> l = loads();
        return String.format(java.util.Locale.ROOT, "%s load %.3f/%.3f/%.3f", loop.name(),
                l.get(LoadWindow.ONE_SECOND), l.get(LoadWindow.TEN_SECONDS), l.get(LoadWindow.ONE_MINUTE));
    }
}
