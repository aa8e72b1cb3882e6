package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The counter is exact once adds have stopped, whichever threads added (loops, which count in cells of their own,
 * and other threads, which share cells by id), and a reset zeroes every cell.
 */
class StripedCounterTest {

    @Test
    void sumsTheAddsOfLoopsAndOtherThreadsExactly() throws Exception {
        StripedCounter counter = new StripedCounter();
        int loops = StripedCounter.CELLS + 3; // more loops than cells: some share a cell
        int adds = 20_000;
        List<EventBase> bases = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(loops);
        try {
            for (int i = 0; i < loops; i++) {
                EventBase base = new EventBase(i, "striped-" + i).start();
                bases.add(base);
                base.execute(() -> {
                    for (int k = 0; k < adds; k++) {
                        counter.increment();
                    }
                    counter.add(-5);
                    done.countDown();
                });
            }
            List<Thread> others = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    for (int k = 0; k < adds; k++) {
                        counter.add(2);
                    }
                });
                t.start();
                others.add(t);
            }
            for (Thread t : others) {
                t.join();
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            for (EventBase base : bases) {
                base.shutdown();
            }
            for (EventBase base : bases) {
                assertThat(base.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
            }
        }
        assertThat(counter.sum()).isEqualTo((long) loops * (adds - 5) + 4L * 2 * adds);
        counter.reset();
        assertThat(counter.sum()).isZero();
        counter.decrement();
        assertThat(counter.sum()).isEqualTo(-1);
    }
}
