package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The load history behind the live view's strip charts: points computed from busy time with synthetic time, a
 * bounded ring, numbering for incremental reads; and a real sampler recording it on its own thread.
 */
class LoadHistoryTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static EventBase a;
    private static EventBase b;

    @BeforeAll
    static void loops() {
        a = new EventBase(0, "history-a"); // never started: only their identity is used
        b = new EventBase(1, "history-b");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (EventBase loop : List.of(a, b)) {
            loop.start().shutdown();
            loop.awaitTermination(Duration.ofSeconds(5));
        }
    }

    @Test
    void eachPointIsTheBusyShareSinceTheSampleBefore() {
        LoadHistory history = new LoadHistory(List.of(a, b), Duration.ofSeconds(1), 10);
        history.record(0, new long[] {0, 0}); // the starting line: no point yet
        assertThat(history.newest()).isZero();
        history.record(SECOND, new long[] {SECOND / 4, 0});
        history.record(3 * SECOND, new long[] {SECOND / 4 + SECOND, 2 * SECOND});

        LoadHistory.Points all = history.since(0);
        assertThat(all.first()).isEqualTo(1);
        assertThat(all.last()).isEqualTo(2);
        assertThat(all.loop(0)).containsExactly(0.25f, 0.5f);
        assertThat(all.loop(1)).containsExactly(0f, 1f);
    }

    @Test
    void busyTimeThatGoesBackOrOverrunsReadsWithinZeroAndOne() {
        LoadHistory history = new LoadHistory(List.of(a), Duration.ofSeconds(1), 10);
        history.record(0, new long[] {5 * SECOND});
        history.record(SECOND, new long[] {4 * SECOND}); // a reading that missed an iteration for an instant
        history.record(2 * SECOND, new long[] {8 * SECOND});
        history.record(2 * SECOND, new long[] {9 * SECOND}); // no time passed: no point
        assertThat(history.since(0).loop(0)).containsExactly(0f, 1f);
        assertThat(history.newest()).isEqualTo(2);
    }

    @Test
    void theRingKeepsTheNewestPointsAndReadsOnlyWhatIsNew() {
        LoadHistory history = new LoadHistory(List.of(a), Duration.ofSeconds(1), 3);
        history.record(0, new long[] {0});
        long busy = 0;
        for (int i = 1; i <= 5; i++) {
            busy += i * SECOND / 10; // point i reads i / 10
            history.record(i * SECOND, new long[] {busy});
        }
        LoadHistory.Points all = history.since(0);
        assertThat(all.first()).isEqualTo(3);
        assertThat(all.last()).isEqualTo(5);
        assertThat(all.loop(0)).containsExactly(new float[] {0.3f, 0.4f, 0.5f}, within(1e-6f));

        LoadHistory.Points newer = history.since(4);
        assertThat(newer.first()).isEqualTo(5);
        assertThat(newer.loop(0)).containsExactly(new float[] {0.5f}, within(1e-6f));

        LoadHistory.Points none = history.since(5);
        assertThat(none.first()).isEqualTo(6);
        assertThat(none.last()).isEqualTo(5);
        assertThat(none.loop(0)).isEmpty();

        assertThat(history.since(1).first()).as("older than the ring reaches: all that is kept").isEqualTo(3);
        assertThat(history.capacity()).isEqualTo(3);
    }

    @Test
    void aRecordMustCoverEveryLoop() {
        LoadHistory history = new LoadHistory(List.of(a, b), Duration.ofSeconds(1), 3);
        assertThatThrownBy(() -> history.record(0, new long[] {0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoadHistory(List.of(a), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSamplerRecordsAPointEverySecondFromItsOwnThread() throws InterruptedException {
        EventBase loop = new EventBase(0, "history-sampled").start();
        LoopSampler sampler = new LoopSampler(List.of(loop), Duration.ofMillis(50)).start();
        CountDownLatch release = new CountDownLatch(1);
        try {
            assertThat(sampler.history().period()).isEqualTo(LoopSampler.HISTORY_PERIOD);
            assertThat(sampler.history().capacity()).isEqualTo(300);
            loop.execute(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS); // the loop works (blocks) until released
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // a whole point taken while the loop was held reads fully busy
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> sampler.history().newest() >= 2);
            float[] points = sampler.history().since(0).loop(0);
            assertThat(points[points.length - 1]).isGreaterThan(0.9f);
        } finally {
            release.countDown();
            sampler.close();
            loop.shutdown();
            loop.awaitTermination(Duration.ofSeconds(5));
        }
    }
}
