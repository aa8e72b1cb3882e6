package io.evbase.loop;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The end of the loops' helper threads (the sampler, the stall watchdog): each parks between rounds and leaves its
 * loop once its owner has set a closed flag.
 *
 * <p>Threading: any thread but the one stopped.
 */
final class DaemonThreads {

    private DaemonThreads() {
    }

    /**
     * Wakes {@code thread}, which has seen its closed flag set, and waits up to a second for it to end; an interrupt
     * of the caller ends the wait and stays set.
     */
    static void stop(Thread thread) {
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
