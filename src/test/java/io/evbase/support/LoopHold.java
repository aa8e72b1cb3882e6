package io.evbase.support;

import io.evbase.loop.EventBase;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a loop busy in one task (one iteration that does not end) until the test releases it: a loop whose hand-off
 * queue fills, whose load climbs, or that a watchdog finds stalled, exactly as long as the test needs.
 *
 * <p>Threading: {@link #on} and {@link #release} from the test thread; the hold runs on the loop.
 */
public final class LoopHold implements AutoCloseable {

    /** The longest a loop is held if the test never releases it (it failed before it could). */
    private static final long LIMIT_SECONDS = 120;

    private final CountDownLatch release = new CountDownLatch(1);

    private LoopHold() {
    }

    /** Posts the hold to {@code loop} and returns once the loop is in it. */
    public static LoopHold on(EventBase loop) throws InterruptedException {
        LoopHold hold = new LoopHold();
        CountDownLatch held = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            try {
                hold.release.await(LIMIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        if (!held.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(loop + " did not take the hold");
        }
        return hold;
    }

    /** Lets the loop go on; more calls do nothing. */
    public void release() {
        release.countDown();
    }

    @Override
    public void close() {
        release();
    }
}
