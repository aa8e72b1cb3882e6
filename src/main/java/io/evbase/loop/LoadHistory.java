package io.evbase.loop;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The recent past of a set of loops' load, one point per period: each point is the share of wall time a loop spent
 * working between two samples, for the strip charts of the live view. A fixed ring of {@code capacity} points per
 * loop, so the memory is bounded ({@code 4 * capacity * loops} bytes); the oldest point drops out as a new one
 * comes in.
 *
 * <p>Points are numbered from 1 as they are recorded (all loops' points of one sample share the number), so a
 * reader that has seen up to point {@code n} asks for {@link #since(long) since(n)} and gets only the newer ones.
 *
 * <p>A {@link LoopSampler} records a point every {@link LoopSampler#HISTORY_PERIOD} from its own thread; the loop
 * threads pay nothing.
 *
 * <p>Threading: thread-safe; the sampler writes, anyone reads.
 */
public final class LoadHistory {

    private final List<EventBase> loops;
    private final Duration period;
    /** {@code ratios[slot][loop]}: slot {@code (n - 1) % capacity} holds point {@code n}. */
    private final float[][] ratios;
    private final long[] lastBusy;
    private long lastNanos;
    private boolean primed;
    /** Number of the newest point; 0 before the first. */
    private long newest;

    LoadHistory(List<EventBase> loops, Duration period, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a load history needs room for at least one point: " + capacity);
        }
        this.loops = List.copyOf(loops);
        this.period = period;
        this.ratios = new float[capacity][this.loops.size()];
        this.lastBusy = new long[this.loops.size()];
    }

    /** The wall time each point covers. */
    public Duration period() {
        return period;
    }

    /** Points kept per loop at most. */
    public int capacity() {
        return ratios.length;
    }

    /** Reads every loop's busy time as of {@code nowNanos} and records a point. Called by the sampler. */
    void sample(long nowNanos) {
        long[] busy = new long[loops.size()];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = loops.get(i).busyNanos(nowNanos);
        }
        record(nowNanos, busy);
    }

    /**
     * Records the loops' cumulative busy times as of {@code nowNanos}: the first call only sets the starting line,
     * each later one adds a point, the busy share since the call before. Package-private so that tests can feed
     * synthetic time.
     */
    synchronized void record(long nowNanos, long[] busyNanos) {
        if (busyNanos.length != lastBusy.length) {
            throw new IllegalArgumentException(busyNanos.length + " busy times for " + lastBusy.length + " loops");
        }
        if (primed && nowNanos - lastNanos > 0) {
            long elapsed = nowNanos - lastNanos;
            float[] slot = ratios[(int) (newest % ratios.length)];
            for (int i = 0; i < busyNanos.length; i++) {
                long worked = Math.max(0, busyNanos[i] - lastBusy[i]);
                slot[i] = (float) Math.min(1.0, (double) worked / elapsed);
            }
            newest++;
        } else if (primed) {
            return; // no time passed: nothing to add, keep the starting line
        }
        for (int i = 0; i < busyNanos.length; i++) {
            lastBusy[i] = primed ? Math.max(lastBusy[i], busyNanos[i]) : busyNanos[i]; // busy time never goes back
        }
        lastNanos = nowNanos;
        primed = true;
    }

    /** The number of the newest point, 0 while there is none. */
    public synchronized long newest() {
        return newest;
    }

    /**
     * The points newer than point {@code after}, oldest first, as far back as the ring reaches: all of them for
     * {@code after <= 0}, none when {@code after} is the newest or beyond.
     */
    public synchronized Points since(long after) {
        long oldestKept = Math.max(1, newest - ratios.length + 1);
        long from = Math.max(oldestKept, after + 1);
        int count = (int) Math.max(0, newest - from + 1);
        float[][] byLoop = new float[loops.size()][count];
        for (int k = 0; k < count; k++) {
            float[] slot = ratios[(int) ((from + k - 1) % ratios.length)];
            for (int i = 0; i < byLoop.length; i++) {
                byLoop[i][k] = slot[i];
            }
        }
        return new Points(count == 0 ? newest + 1 : from, newest, byLoop);
    }

    /**
     * A run of consecutive points.
     *
     * @param first  the number of the first point (when empty: the number the next point will have)
     * @param last   the number of the newest point recorded so far
     * @param byLoop the busy ratios, {@code byLoop[loopIndex][k]} for point {@code first + k}, in the order of the
     *               sampler's loops
     */
    public record Points(long first, long last, float[][] byLoop) {

        /** The points of the loop at {@code index}. */
        public float[] loop(int index) {
            return byLoop[index];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Points p && p.first == first && p.last == last && Arrays.deepEquals(p.byLoop, byLoop);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(first) * 31 + Arrays.deepHashCode(byLoop);
        }

        @Override
        public String toString() {
            return "Points[" + first + ".." + last + ", " + Arrays.deepToString(byLoop) + "]";
        }
    }
}
