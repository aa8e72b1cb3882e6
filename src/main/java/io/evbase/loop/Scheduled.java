package io.evbase.loop;

/**
 * A task due at a point in time on one loop, as returned by {@link EventBase#schedule}.
 *
 * <p>Threading: {@link #cancel()} is thread-safe; a cancel that races with the run may lose (the task then runs
 * once). The other fields are the owning loop's.
 */
public final class Scheduled implements Comparable<Scheduled> {

    final Runnable task;
    final long deadlineNanos;
    /** Order among equal deadlines, given by the loop's {@link TimerQueue} when the timer is queued. */
    long sequence;
    private volatile boolean cancelled;

    Scheduled(Runnable task, long deadlineNanos) {
        this.task = task;
        this.deadlineNanos = deadlineNanos;
    }

    /** The {@link System#nanoTime()} at which the task becomes due. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public int compareTo(Scheduled other) {
        int byTime = Long.compare(deadlineNanos - other.deadlineNanos, 0); // nanoTime may wrap: compare differences
        return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
}
