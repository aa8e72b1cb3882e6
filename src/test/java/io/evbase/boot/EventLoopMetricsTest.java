package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.loop.LoopSampler;
import io.evbase.loop.StallWatchdog;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The loop meters against real loops: task latency lands in the histogram's buckets by how long tasks waited,
 * with count and total from the same snapshot; busy time counts the iteration in progress and never goes back.
 */
class EventLoopMetricsTest {

    private static final long HELD_MILLIS = 300;

    private EventBaseGroup group;
    private LoopSampler sampler;
    private StallWatchdog watchdog;
    private EventLoopMetrics metrics;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void start() {
        group = new EventBaseGroup(2, "metrics-test-", Dispatch.ROUND_ROBIN).start();
        sampler = new LoopSampler(group.loops()).start();
        watchdog = new StallWatchdog(group.loops(), Duration.ofSeconds(30)).start();
        metrics = new EventLoopMetrics(group.loops(), sampler, watchdog);
        registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
    }

    @AfterEach
    void stop() throws InterruptedException {
        metrics.close();
        watchdog.close();
        sampler.close();
        group.shutdown(Duration.ofSeconds(10));
    }

    @Test
    void tasksThatWaitedLandInTheHighBuckets() throws Exception {
        EventBase loop = group.loops().get(0);
        Timer timer = registry.find("evbase.loop.task.latency").tag("loop", "0").timer();
        metrics.feed();
        long before = timer.count();

        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> hold(release)); // the loop waits for the test, then works for HELD_MILLIS
        int waiting = 20;
        for (int i = 0; i < waiting; i++) {
            loop.execute(() -> { });
        }
        loop.execute(done::countDown);
        release.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        // The loop records a task's latency after the task returns: the last one may not be counted yet.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            metrics.feed();
            return timer.count() - before >= waiting + 2;
        });
        // The 20 tasks (and the last) waited at least HELD_MILLIS: none of them is in a bucket below it.
        double fast = 0;
        for (CountAtBucket b : timer.takeSnapshot().histogramCounts()) {
            if (b.bucket(TimeUnit.MILLISECONDS) == 250) {
                fast = b.count();
            }
        }
        assertThat(timer.count() - fast).isGreaterThanOrEqualTo(waiting + 1);
        assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo((waiting + 1) * HELD_MILLIS * 0.99);
        assertThat(timer.takeSnapshot().histogramCounts()).hasSize(EventLoopMetrics.LATENCY_BUCKETS.length);
    }

    @Test
    void busyTimeCountsTheIterationInProgressAndNeverGoesBack() throws Exception {
        EventBase loop = group.loops().get(1);
        FunctionCounter busy = registry.find("evbase.loop.busy").tag("loop", "1").functionCounter();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        double start = busy.count();
        loop.execute(() -> {
            hold(release);
            done.countDown();
        });
        // While the loop is still inside that one task, its busy time already grows.
        await().atMost(Duration.ofSeconds(30)).until(() -> busy.count() >= start + 0.2);
        release.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        double last = busy.count();
        for (int i = 0; i < 1000; i++) {
            double now = busy.count();
            assertThat(now).isGreaterThanOrEqualTo(last);
            last = now;
        }
        assertThat(last).isGreaterThanOrEqualTo(start + 0.2);
    }

    /** Runs on the loop: waits for the test's release, then works for HELD_MILLIS (the delay the test measures). */
    private static void hold(CountDownLatch release) {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HELD_MILLIS);
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }
}
