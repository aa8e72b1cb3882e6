package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real loop blocked by a task: found, logged once with its stack, counted, released when it moves. */
class StallWatchdogTest {

    private static final Duration THRESHOLD = Duration.ofMillis(150);

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger log = Logger.getLogger(StallWatchdog.class.getName());
    private EventBase loop;
    private StallWatchdog watchdog;

    @BeforeEach
    void start() {
        log.addHandler(capture);
        loop = new EventBase(0, "stall-test-loop").start();
        watchdog = new StallWatchdog(List.of(loop), THRESHOLD).start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        watchdog.close();
        loop.shutdown();
        loop.awaitTermination(Duration.ofSeconds(5));
        log.removeHandler(capture);
    }

    @Test
    void aBlockedLoopIsStalledOnceWithItsStackUntilItMoves() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> blockUntil(release));

        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isPresent());
        LoopStall stall = watchdog.stall(loop).orElseThrow();
        assertThat(stall.loop()).isZero();
        assertThat(stall.thread()).isEqualTo("stall-test-loop");
        assertThat(stall.stackLines()).anyMatch(line -> line.contains("StallWatchdogTest.blockUntil"));
        assertThat(stall.duration()).isGreaterThan(THRESHOLD);
        assertThat(watchdog.stalls(loop)).isEqualTo(1);
        assertThat(watchdog.stalled()).containsExactly(stall);

        Thread.sleep(4 * THRESHOLD.toMillis()); // still blocked: checked again and again, reported once
        assertThat(watchdog.stalls(loop)).isEqualTo(1);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage()).contains("stall-test-loop").contains("has been blocked for");
        assertThat(warnings.get(0).getThrown().getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals("blockUntil"));

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isEmpty());
        assertThat(watchdog.stalled()).isEmpty();

        CountDownLatch again = new CountDownLatch(1);
        loop.execute(() -> blockUntil(again));
        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isPresent());
        assertThat(watchdog.stalls(loop)).isEqualTo(2);
        again.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.stall(loop).isEmpty());
    }

    @Test
    void idleAndBusyButMovingLoopsAreNotStalled() throws InterruptedException {
        Thread.sleep(3 * THRESHOLD.toMillis()); // idle: waiting in the selector
        assertThat(watchdog.stalls(loop)).isZero();

        // busy for several thresholds, but one short timer per iteration: each iteration ends quickly
        long until = System.nanoTime() + 4 * THRESHOLD.toNanos();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(new Runnable() {
            @Override
            public void run() {
                long spinUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
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
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(watchdog.stalls(loop)).isZero();
        assertThat(warnings).isEmpty();
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
