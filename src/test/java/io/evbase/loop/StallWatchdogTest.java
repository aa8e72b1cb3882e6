package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.support.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real loop blocked by a task: found, logged once with its stack, counted, released when it moves. */
class StallWatchdogTest {

    private static final Duration THRESHOLD = Duration.ofMillis(150);
    private static final String LOOP = "stall-test-loop";

    /** The watchdog's warnings are what this test provokes (other watchdogs in the JVM log to the same logger). */
    @RegisterExtension
    final LogCapture log = LogCapture.of(StallWatchdog.class);

    private EventBase loop;
    private StallWatchdog watchdog;

    @BeforeEach
    void start() {
        loop = new EventBase(0, LOOP).start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (watchdog != null) {
            watchdog.close();
        }
        loop.shutdown();
        loop.awaitTermination(Duration.ofSeconds(5));
    }

    /** The warnings about this test's loop. */
    private List<LogRecord> warnings() {
        return log.atLeast(Level.WARNING, "event loop " + LOOP + " ");
    }

    @Test
    void aBlockedLoopIsStalledOnceWithItsStackUntilItMoves() throws InterruptedException {
        watchdog = new StallWatchdog(List.of(loop), THRESHOLD).start();
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> blockUntil(release));

        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isPresent());
        LoopStall stall = watchdog.stall(loop).orElseThrow();
        assertThat(stall.loop()).isZero();
        assertThat(stall.thread()).isEqualTo(LOOP);
        assertThat(stall.stackLines()).anyMatch(line -> line.contains("StallWatchdogTest.blockUntil"));
        assertThat(stall.duration()).isGreaterThan(THRESHOLD);
        assertThat(watchdog.stalls(loop)).isEqualTo(1);
        assertThat(watchdog.stalled()).containsExactly(stall);

        // Still blocked: checked again and again (every THRESHOLD / 4), reported once.
        await().during(THRESHOLD.multipliedBy(4)).atMost(THRESHOLD.multipliedBy(20))
                .until(() -> watchdog.stalls(loop) == 1 && watchdog.stall(loop).isPresent());
        assertThat(warnings()).hasSize(1);
        assertThat(warnings().get(0).getMessage()).contains("has been blocked for");
        assertThat(warnings().get(0).getThrown().getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals("blockUntil"));

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isEmpty());
        assertThat(watchdog.stalled()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> log.count("event loop " + LOOP + " moved again") == 1);

        CountDownLatch again = new CountDownLatch(1);
        loop.execute(() -> blockUntil(again));
        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isPresent());
        assertThat(watchdog.stalls(loop)).isEqualTo(2);
        again.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isEmpty());
        assertThat(warnings()).hasSize(2);
    }

    @Test
    void anIdleLoopIsNeverStalled() {
        watchdog = new StallWatchdog(List.of(loop), THRESHOLD); // not started: this test checks by itself
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.workStartNanos() == 0); // waiting in the selector
        // However long it waits, a loop waiting for events is not working on an iteration.
        watchdog.check(System.nanoTime() + THRESHOLD.toNanos());
        watchdog.check(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
        assertThat(watchdog.stalls(loop)).isZero();
        assertThat(warnings()).isEmpty();
    }

    /**
     * Busy for twice the threshold, in iterations of 2 ms (one short timer per iteration): each iteration ends in
     * time, so the loop is not stalled. The threshold here is a second, far beyond the 2 ms: what the watchdog
     * reports is a loop that did not move for that long, and on a busy machine a loop thread can be kept off the CPU
     * (or the whole JVM paused) for a good part of a second; the longest gap the loop itself saw is in the message.
     */
    @Test
    void aBusyLoopThatMovesIsNotStalled() throws InterruptedException {
        Duration threshold = Duration.ofSeconds(1);
        watchdog = new StallWatchdog(List.of(loop), threshold).start();
        long until = System.nanoTime() + 2 * threshold.toNanos();
        AtomicLong longestGap = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(new Runnable() {
            long last = System.nanoTime();

            @Override
            public void run() {
                long now = System.nanoTime();
                longestGap.accumulateAndGet(now - last, Math::max);
                last = now;
                long spinUntil = now + TimeUnit.MILLISECONDS.toNanos(2);
                while (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                if (System.nanoTime() < until) {
                    loop.schedule(this, 0, TimeUnit.NANOSECONDS); // a timer: runs in the next iteration
                } else {
                    done.countDown();
                }
            }
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(watchdog.stalls(loop)).as("stalls; the longest gap between iterations was %d ms",
                TimeUnit.NANOSECONDS.toMillis(longestGap.get())).isZero();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void defaultCheckIntervalIsAQuarterOfTheThresholdWithinBounds() {
        assertThat(StallWatchdog.defaultInterval(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(500));
        assertThat(StallWatchdog.defaultInterval(Duration.ofMillis(20))).isEqualTo(Duration.ofMillis(10));
        assertThat(StallWatchdog.defaultInterval(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(1));
    }

    private static void blockUntil(CountDownLatch release) {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
