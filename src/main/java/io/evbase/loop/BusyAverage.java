package io.evbase.loop;

import java.util.concurrent.TimeUnit;

/**
 * One loop's busy ratio as an exponentially weighted moving average with a time constant of {@link #TAU_NANOS}:
 * the quick, always current figure that {@link Dispatch#LEAST_LOADED} steers by. (The {@link LoopLoad} windows are
 * exact over their span but sampled every quarter second by a thread of their own; this one needs no sampler.)
 *
 * <p>The loop folds in each iteration as it ends: the time since the previous one ended counts as waiting, then
 * working from the iteration's work start. A reader extrapolates from that last update to now, knowing whether the
 * loop is working right now ({@link EventBase#workStartNanos()}): an idle loop's figure decays toward 0 while it
 * waits, and a loop caught in a long iteration (a stall) climbs toward 1 by the moment, not at the iteration's end.
 *
 * <p>Threading: {@link #update} on the loop thread only; {@link #read} from any thread. The average and the time of
 * its update are published together as one immutable {@link Published}, at most every
 * {@link #PUBLISH_EVERY_NANOS} (a busy loop runs far more iterations than that; what a reading misses is at most
 * that long, against a half-second time constant), so the loop allocates a few hundred small objects a second at
 * most.
 */
final class BusyAverage {

    /** The time constant: a change in load shows about two thirds after this long. */
    static final long TAU_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    static final long PUBLISH_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Loop thread only. */
    private double average;
    private long updatedNanos;
    private volatile Published published;

    BusyAverage(long originNanos) {
        this.updatedNanos = originNanos;
        this.published = new Published(0, originNanos);
    }

    /** An iteration that began working at {@code workStartNanos} ended at {@code endNanos}. Loop thread only. */
    void update(long workStartNanos, long endNanos) {
        long elapsed = endNanos - updatedNanos;
        if (elapsed <= 0) {
            return;
        }
        long busy = Math.min(elapsed, Math.max(0, endNanos - workStartNanos));
        average = average * decay(elapsed) + (1 - decay(busy));
        updatedNanos = endNanos;
        if (endNanos - published.nanos >= PUBLISH_EVERY_NANOS) {
            published = new Published(average, endNanos);
        }
    }

    /**
     * The average as of {@code nowNanos}, given the loop's current work start (0 while it waits for events), between
     * 0 and 1. Thread-safe.
     */
    double read(long nowNanos, long workStartNanos) {
        Published p = published;
        double avg = p.average;
        // A work start after the published update is an iteration in progress (or one not published yet); one
        // before it, or 0, belongs to an iteration already folded in: the loop has been waiting since.
        if (workStartNanos == 0 || workStartNanos - p.nanos <= 0) {
            return Math.min(1, Math.max(0, avg * decay(nowNanos - p.nanos)));
        }
        avg *= decay(workStartNanos - p.nanos);
        double d = decay(nowNanos - workStartNanos);
        return Math.min(1, Math.max(0, avg * d + (1 - d)));
    }

    /** e^(-t/tau); a first-order expansion for the sub-millisecond spans of a busy loop's iterations. */
    static double decay(long nanos) {
        if (nanos <= 0) {
            return 1;
        }
        double x = (double) nanos / TAU_NANOS;
        return x < 1e-3 ? 1 - x : Math.exp(-x);
    }

    /** The average as of the end of an iteration. */
    private record Published(double average, long nanos) {
    }
}
