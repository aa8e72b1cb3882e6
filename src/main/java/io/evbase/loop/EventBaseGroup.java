package io.evbase.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker loops, memcached's worker threads: N {@link EventBase}s and the policy that picks one per connection.
 *
 * <p>Threading: thread-safe. {@link #next()} is called by the acceptor thread; the rest from anywhere.
 */
public final class EventBaseGroup {

    private final List<EventBase> loops;
    private final Dispatch dispatch;
    private final AtomicInteger cursor = new AtomicInteger();

    public EventBaseGroup(int count, String namePrefix, Dispatch dispatch) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one loop is needed: " + count);
        }
        List<EventBase> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(new EventBase(i, namePrefix + i));
        }
        this.loops = List.copyOf(list);
        this.dispatch = dispatch;
    }

    public EventBaseGroup start() {
        loops.forEach(EventBase::start);
        return this;
    }

    public List<EventBase> loops() {
        return loops;
    }

    public int size() {
        return loops.size();
    }

    public Dispatch dispatch() {
        return dispatch;
    }

    /** The loop for the next connection. */
    public EventBase next() {
        if (dispatch == Dispatch.LEAST_CONNECTIONS) {
            EventBase best = loops.get(0);
            for (int i = 1; i < loops.size(); i++) {
                EventBase loop = loops.get(i);
                if (loop.registeredChannels() < best.registeredChannels()) {
                    best = loop;
                }
            }
            return best;
        }
        return loops.get(Math.floorMod(cursor.getAndIncrement(), loops.size()));
    }

    /** The loop after {@code loop} in the ring, for trying another one when a loop refuses a hand-off. */
    public EventBase after(EventBase loop) {
        return loops.get((loop.id() + 1) % loops.size());
    }

    /** Asks every loop to stop and waits up to {@code timeout} for all of them. */
    public boolean shutdown(Duration timeout) throws InterruptedException {
        loops.forEach(EventBase::shutdown);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        for (EventBase loop : loops) {
            all &= loop.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return all;
    }

    /**
     * Where {@code loop} stands in {@code loops}: its id when the list is a group's loops in order (the usual
     * case, O(1)), else by search. Throws when it is not there; {@code role} names the list in the message.
     */
    static int indexOf(List<EventBase> loops, EventBase loop, String role) {
        int i = loop.id();
        if (i < 0 || i >= loops.size() || loops.get(i) != loop) {
            i = loops.indexOf(loop);
            if (i < 0) {
                throw new IllegalArgumentException("not a " + role + " loop: " + loop);
            }
        }
        return i;
    }
}
