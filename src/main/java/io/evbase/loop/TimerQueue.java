package io.evbase.loop;

import java.util.PriorityQueue;

/**
 * The timers of one loop, earliest first. Cancelled timers are dropped lazily when they reach the head, and purged
 * in bulk when they outnumber the live ones (many connections re-arming their timeouts cancel a lot).
 *
 * <p>Threading: owned by the loop thread; other threads schedule through {@link EventBase#schedule}, which posts.
 */
final class TimerQueue {

    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private long sequence;

    Scheduled add(Runnable task, long deadlineNanos) {
        return add(new Scheduled(task, deadlineNanos));
    }

    /** Queues {@code s}; its sequence, which keeps timers of equal deadline in order, is given here. */
    Scheduled add(Scheduled s) {
        s.sequence = sequence++;
        queue.add(s);
        if (queue.size() > 1024) {
            purgeIfMostlyCancelled();
        }
        return s;
    }

    /** Nanoseconds until the next live timer, 0 if one is due, -1 if there is none. */
    long nanosUntilNext(long now) {
        Scheduled head;
        while ((head = queue.peek()) != null && head.isCancelled()) {
            queue.poll();
        }
        if (head == null) {
            return -1;
        }
        return Math.max(0, head.deadlineNanos - now);
    }

    /** Removes and returns the next due timer, or null. */
    Scheduled pollDue(long now) {
        Scheduled head;
        while ((head = queue.peek()) != null) {
            if (head.isCancelled()) {
                queue.poll();
            } else if (head.deadlineNanos - now <= 0) {
                return queue.poll();
            } else {
                return null;
            }
        }
        return null;
    }

    int size() {
        return queue.size();
    }

    private void purgeIfMostlyCancelled() {
        int cancelled = 0;
        for (Scheduled s : queue) {
            if (s.isCancelled()) {
                cancelled++;
            }
        }
        if (cancelled > queue.size() / 2) {
            queue.removeIf(Scheduled::isCancelled);
        }
    }
}
