package io.evbase.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * its update are published together at most every {@link #PUBLISH_EVERY_NANOS} (a busy loop runs far more
 * iterations than that; what a reading misses is at most that long, against a half-second time constant), under a
 * sequence number that is odd while they change (a seqlock, as {@link java.util.concurrent.locks.StampedLock}'s
 * optimistic read): the loop never waits for a reader and allocates nothing, and a reader that overlapped a
 * publication reads again.
 */
final class BusyAverage {

    /** The time constant: a change in load shows about two thirds after this long. */
    static final long TAU_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    static final long PUBLISH_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final VarHandle SEQUENCE;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(BusyAverage.class, "sequence", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Loop thread only. */
    private double average;
    private long updatedNanos;
    /** The last published figures: written by the loop between the two steps of {@link #sequence}. */
    private double publishedAverage;
    private long publishedNanos;
    /** Even when the published figures are whole, odd while the loop writes them. */
    private volatile long sequence;

    BusyAverage(long originNanos) {
        this.updatedNanos = originNanos;
        this.publishedNanos = originNanos;
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
        if (endNanos - publishedNanos >= PUBLISH_EVERY_NANOS) {
            long seq = sequence;
            SEQUENCE.setOpaque(this, seq + 1);
            VarHandle.storeStoreFence(); // the odd number is visible before either figure changes
            publishedAverage = average;
            publishedNanos = endNanos;
            SEQUENCE.setRelease(this, seq + 2);
        }
    }

    /**
     * The average as of {@code nowNanos}, given the loop's current work start (0 while it waits for events), between
     * 0 and 1. Thread-safe.
     */
    double read(long nowNanos, long workStartNanos) {
        double avg;
        long at;
        while (true) {
            long seq = (long) SEQUENCE.getAcquire(this);
            avg = publishedAverage;
            at = publishedNanos;
            VarHandle.loadLoadFence(); // both figures are read before the sequence is looked at again
            if ((seq & 1) == 0 && seq == sequence) {
                break;
            }
            Thread.onSpinWait(); // the loop is between the two steps: a few instructions
        }
        // A work start at or after the published update is an iteration in progress (or one not published yet: an
        // iteration that did not wait starts at the loop clock's reading that ended the one before); one before
        // it, or 0, belongs to an iteration already folded in: the loop has been waiting since.
        if (workStartNanos == 0 || workStartNanos - at < 0) {
            return Math.min(1, Math.max(0, avg * decay(nowNanos - at)));
        }
        avg *= decay(workStartNanos - at);
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
}
