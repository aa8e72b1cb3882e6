package io.evbase.loop;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread an {@link EventBase} runs on. It carries a small number, its stripe, that spreads the loops over the
 * cells of a {@link StripedCounter}: the loops of a process get consecutive stripes, so that each loop counts in a
 * cell of its own (until there are more loops than cells, when cells are shared and still exact).
 *
 * <p>Threading: immutable once constructed.
 */
final class LoopThread extends Thread {

    private static final AtomicInteger NEXT_STRIPE = new AtomicInteger();

    private final int stripe;

    LoopThread(Runnable run, String name) {
        super(run, name);
        this.stripe = NEXT_STRIPE.getAndIncrement();
    }

    int stripe() {
        return stripe;
    }
}
