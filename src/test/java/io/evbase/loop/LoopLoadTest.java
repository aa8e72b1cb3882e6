package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The load windows over synthetic samples: exact arithmetic, no threads, no clock. */
class LoopLoadTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long PERIOD = SECOND / 4;
    private static EventBase loop;

    @BeforeAll
    static void loop() {
        loop = new EventBase(0, "load-test-loop"); // never started: only its identity is used
    }

    @AfterAll
    static void stop() {
        loop.start().shutdown();
    }

    @Test
    void noSampleReadsZero() {
        LoopLoad load = new LoopLoad(loop, PERIOD);
        assertThat(load.load(LoadWindow.ONE_SECOND, 5 * SECOND, 5 * SECOND)).isZero();
    }

    @Test
    void steadyHalfLoadReadsHalfInEveryWindow() {
        LoopLoad load = new LoopLoad(loop, PERIOD);
        long t0 = 1_000 * SECOND;
        long now = t0;
        for (int i = 0; i <= 4 * 90; i++) {
            now = t0 + i * PERIOD;
            load.record(now, (now - t0) / 2);
        }
        for (LoadWindow w : LoadWindow.values()) {
            assertThat(load.load(w, now, (now - t0) / 2)).as(w.label()).isCloseTo(0.5, within(1e-9));
        }
    }

    @Test
    void aBurstInTheLastSecondShowsInProportionToEachWindow() {
        LoopLoad load = new LoopLoad(loop, PERIOD);
        long t0 = 7 * SECOND;
        long now = t0;
        for (int i = 0; i <= 4 * 120; i++) {
            now = t0 + i * PERIOD;
            load.record(now, 0);
        }
        // fully busy during the last second, read exactly one second after the last idle sample
        long later = now + SECOND;
        assertThat(load.load(LoadWindow.ONE_SECOND, later, SECOND)).isCloseTo(1.0, within(1e-9));
        assertThat(load.load(LoadWindow.TEN_SECONDS, later, SECOND)).isCloseTo(0.1, within(1e-9));
        assertThat(load.load(LoadWindow.ONE_MINUTE, later, SECOND)).isCloseTo(1.0 / 60, within(1e-9));
    }

    @Test
    void shortHistoryCoversWhatThereIs() {
        LoopLoad load = new LoopLoad(loop, PERIOD);
        load.record(0, 0);
        assertThat(load.load(LoadWindow.ONE_MINUTE, 2 * SECOND, SECOND)).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void readingsStayBetweenZeroAndOneAndBusyTimeNeverGoesBack() {
        LoopLoad load = new LoopLoad(loop, PERIOD);
        load.record(0, 0);
        load.record(SECOND, 3 * SECOND); // more busy time than wall time: clamped
        assertThat(load.load(LoadWindow.ONE_SECOND, SECOND, 3 * SECOND)).isEqualTo(1.0);
        load.record(2 * SECOND, SECOND); // a lower reading than before is taken as no progress
        assertThat(load.load(LoadWindow.ONE_SECOND, 2 * SECOND, SECOND)).isZero();
    }
}
