package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real loop sampled on the sampler's thread: near zero load when idle, high while working (the iteration in
 * progress counts at once), task latency over the last minute. Bounds are loose: the machine may be loaded.
 */
class LoopSamplerTest {

    private EventBase loop;
    private LoopSampler sampler;

    @BeforeEach
    void start() {
        loop = new EventBase(0, "sampler-test-loop").start();
        sampler = new LoopSampler(List.of(loop), Duration.ofMillis(50)).start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        sampler.close();
        loop.shutdown();
        loop.awaitTermination(Duration.ofSeconds(5));
    }

    @Test
    void idleLoopReadsNearZero() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> sampler.load(loop).load(LoadWindow.ONE_SECOND) < 0.05);
        assertThat(sampler.load(loop).load(LoadWindow.TEN_SECONDS)).isLessThan(0.2);
    }

    @Test
    void workingLoopReadsHighWhileItWorksAndLowAfter() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        long blockedAt = System.nanoTime();
        loop.execute(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // one iteration in progress: counted before it ends
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> sampler.load(loop).load(LoadWindow.ONE_SECOND) > 0.9);
        long blockedFor = System.nanoTime() - blockedAt;
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(TimeUnit.MILLISECONDS.toNanos(1500) - blockedFor)));
        assertThat(sampler.load(loop).load(LoadWindow.ONE_SECOND)).isGreaterThan(0.9); // a full second of it
        assertThat(sampler.load(loop).loads()).containsKeys(LoadWindow.values());
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> sampler.load(loop).load(LoadWindow.ONE_SECOND) < 0.05);
        // 1.5 s of work within the last 10 s (the history is shorter: the window covers it)
        assertThat(sampler.load(loop).load(LoadWindow.TEN_SECONDS)).isGreaterThan(0.1);
    }

    @Test
    void taskLatencyWindowCountsTheTasksRun() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            loop.execute(ran::countDown);
        }
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> sampler.taskLatency(loop).recent().getTotalCount() >= 100);
        assertThat(sampler.taskLatency(loop).sinceStart().getTotalCount()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void latencyWindowSubtractsWhatIsOlderThanAMinute() {
        TaskLatencyWindow window = new TaskLatencyWindow(loop.stats());
        long now = System.nanoTime();
        window.sample(now - TaskLatencyWindow.SPAN_NANOS - TimeUnit.SECONDS.toNanos(1));
        CountDownLatch ran = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            loop.execute(ran::countDown);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.getCount() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> window.recent().getTotalCount() >= 10);
        window.sample(now - TaskLatencyWindow.SPAN_NANOS + TimeUnit.SECONDS.toNanos(1));
        // the base is now the snapshot a minute old or more: the first one, taken before the tasks ran
        assertThat(window.recent().getTotalCount()).isGreaterThanOrEqualTo(10);
        window.sample(now);
        window.sample(now + TaskLatencyWindow.SPAN_NANOS + 1);
        // ...and once a snapshot after the tasks is a minute old, they drop out of the window
        assertThat(window.recent().getTotalCount()).isLessThan(10);
    }
}
