package io.evbase.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter that many threads add to without sharing a cache line: one cell per event loop, summed when read. It
 * takes the place of {@link java.util.concurrent.atomic.LongAdder} on the loops' hot paths: a {@code LongAdder}
 * picks its cell by a random probe, and two loops that drew the same cell keep moving its cache line between their
 * cores on every add without ever failing a CAS, so it never spreads them apart. Here a loop's cell is chosen by
 * the loop ({@link LoopThread}'s stripe), so the loops of a process count in cells of their own; any other thread
 * counts in a cell chosen by its id. Each add is one atomic add to a cell no other loop writes.
 *
 * <p>Each cell sits alone in 128 bytes (two cache lines, for the adjacent-line prefetcher), so a counter takes
 * about {@value #CELLS} × 128 bytes: meant for counters a process has a few dozen of, not one per connection.
 *
 * <p>Threading: thread-safe. {@link #sum()} is a moment's estimate while adds are under way, exact once they have
 * stopped; {@link #reset()} races benignly with concurrent adds (an add made during a reset may survive it), as
 * {@code LongAdder.reset} does.
 */
public final class StripedCounter {

    /** Cells (a power of two): as many loops as a process usually runs count without sharing one. */
    static final int CELLS = 16;
    /** Longs per cell: 128 bytes. */
    private static final int SPACING = 16;
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    /** Cell {@code i} at index {@code (i + 1) * SPACING}: the first slots keep cell 0 off the array's header. */
    private final long[] cells = new long[(CELLS + 1) * SPACING];

    /** Adds {@code n}. */
    public void add(long n) {
        CELL.getAndAdd(cells, index(Thread.currentThread()), n);
    }

    public void increment() {
        add(1);
    }

    public void decrement() {
        add(-1);
    }

    /** The sum of the cells. */
    public long sum() {
        long sum = 0;
        for (int i = 1; i <= CELLS; i++) {
            sum += (long) CELL.getVolatile(cells, i * SPACING);
        }
        return sum;
    }

    /** Sets every cell to zero. */
    public void reset() {
        for (int i = 1; i <= CELLS; i++) {
            CELL.setVolatile(cells, i * SPACING, 0L);
        }
    }

    @Override
    public String toString() {
        return Long.toString(sum());
    }

    private static int index(Thread t) {
        int stripe = t instanceof LoopThread loop ? loop.stripe() : (int) t.getId() * 0x9E3779B9 >>> 16;
        return ((stripe & (CELLS - 1)) + 1) * SPACING;
    }
}
