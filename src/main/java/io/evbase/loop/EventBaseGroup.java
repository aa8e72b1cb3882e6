package io.evbase.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The worker loops, memcached's worker threads: N {@link EventBase}s and the {@link Dispatch} policy that picks one
 * per connection.
 *
 * <p>A pick ({@link #reserveHandOff}) looks only at loops that are active and have room in their hand-off queue,
 * and among those first at the ones that are not stalled (a loop caught in one iteration past the stall threshold:
 * its new connections would wait as long as the stall lasts); only when none of those has room does a stalled loop
 * get the connection rather than it being shed. The policy then chooses among them, ties round-robin, and the pick
 * reserves a hand-off place on the loop. Each loop counts the connections it received by the policy that chose it
 * (the configured one, or round-robin for a tie).
 *
 * <p>Threading: thread-safe. {@link #reserveHandOff} is called by the acceptor thread (it is synchronized, so
 * several acceptors would take turns); the rest from anywhere.
 */
public final class EventBaseGroup {

    /** Loads (busy ratios, 0 to 1) this close to the lowest count as a tie under {@link Dispatch#LEAST_LOADED}. */
    public static final double LOAD_TIE = 0.05;
    /**
     * The least load a connection handed over and not yet opened counts for under {@link Dispatch#LEAST_LOADED}
     * (more when the loop's connections carry more on average), so that a burst is spread over idle loops too.
     */
    public static final double MIN_CONNECTION_LOAD = 0.01;

    private final List<EventBase> loops;
    private final Dispatch dispatch;
    /** Received connections per loop and deciding policy: index {@code loop * policies + policy.ordinal()}. */
    private final AtomicLongArray received;
    private final int policies = Dispatch.values().length;
    /** Where the next round-robin choice starts; guarded by this. */
    private int cursor;

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
        this.received = new AtomicLongArray(count * policies);
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

    /**
     * A loop chosen for a connection, with a hand-off place reserved on it.
     *
     * @param loop the loop
     * @param by   the policy that decided: the group's, or {@link Dispatch#ROUND_ROBIN} for a tie
     */
    public record Pick(EventBase loop, Dispatch by) {
    }

    /**
     * Chooses the loop for a new connection and reserves a hand-off place on it ({@link EventBase#tryReserveHandOff});
     * the caller hands the connection over and calls {@link #received(Pick)}, or gives the place back with
     * {@link EventBase#handOffDone()}.
     *
     * @param maxPendingHandOffs a loop with this many connections handed over and not yet opened is full
     * @param stallNanos         a loop working on one iteration for longer is stalled
     * @return the pick, or null when no active loop has room (the connection is to be shed)
     */
    public synchronized Pick reserveHandOff(int maxPendingHandOffs, long stallNanos) {
        long now = System.nanoTime();
        int n = loops.size();
        boolean[] candidate = new boolean[n];
        for (int round = 0; round < 2; round++) {
            boolean stalledToo = round == 1;
            while (true) {
                int count = 0;
                for (int i = 0; i < n; i++) {
                    EventBase loop = loops.get(i);
                    candidate[i] = loop.isActive() && loop.pendingHandOffs() < maxPendingHandOffs
                            && (stalledToo || !isStalled(loop, now, stallNanos));
                    count += candidate[i] ? 1 : 0;
                }
                if (count == 0) {
                    break;
                }
                Pick pick = choose(candidate, now);
                if (pick.loop().tryReserveHandOff(maxPendingHandOffs)) {
                    return pick;
                }
                // filled up by another thread since we looked: look again
            }
        }
        return null;
    }

    /** Counts a connection as received by the picked loop, once it was handed over. */
    public void received(Pick pick) {
        received.incrementAndGet(pick.loop().id() * policies + pick.by().ordinal());
    }

    /** Connections {@code loop} received by the decision of {@code by} since start. */
    public long received(EventBase loop, Dispatch by) {
        return received.get(EventBaseGroup.indexOf(loops, loop, "group") * policies + by.ordinal());
    }

    private static boolean isStalled(EventBase loop, long now, long stallNanos) {
        long start = loop.workStartNanos();
        return start != 0 && now - start > stallNanos;
    }

    /** Applies the policy to the candidates (at least one). */
    private Pick choose(boolean[] candidate, long now) {
        int n = loops.size();
        if (dispatch == Dispatch.ROUND_ROBIN) {
            return roundRobin(candidate, Dispatch.ROUND_ROBIN);
        }
        double[] score = new double[n];
        double best = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (candidate[i]) {
                score[i] = score(loops.get(i), now);
                best = Math.min(best, score[i]);
            }
        }
        double tie = dispatch == Dispatch.LEAST_LOADED ? LOAD_TIE : 0;
        int tied = 0;
        for (int i = 0; i < n; i++) {
            candidate[i] = candidate[i] && score[i] <= best + tie;
            tied += candidate[i] ? 1 : 0;
        }
        return roundRobin(candidate, tied == 1 ? dispatch : Dispatch.ROUND_ROBIN);
    }

    /** The policy's measure of a loop; lower is better. */
    private double score(EventBase loop, long now) {
        int registered = loop.registeredChannels();
        int pending = loop.pendingHandOffs();
        if (dispatch == Dispatch.LEAST_CONNECTIONS) {
            return registered + pending;
        }
        // LEAST_LOADED: each connection on its way is assumed to bring the load one of the loop's connections has.
        double load = loop.recentLoad();
        return load + pending * Math.max(MIN_CONNECTION_LOAD, load / Math.max(1, registered));
    }

    /** The first candidate at or after the cursor, in ring order; the cursor moves past it. */
    private Pick roundRobin(boolean[] candidate, Dispatch by) {
        int n = loops.size();
        for (int k = 0; k < n; k++) {
            int i = (cursor + k) % n;
            if (candidate[i]) {
                cursor = (i + 1) % n;
                return new Pick(loops.get(i), by);
            }
        }
        throw new IllegalStateException("no candidate loop");
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
