package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The figures a loop publishes in pairs are read as pairs. */
class LoopStatsTest {

    @Test
    void theLongestCallbackIsReadAsOneNameAndDuration() {
        LoopStats stats = new LoopStats();
        assertThat(stats.longestCallback()).isEqualTo(new LoopStats.LongestCallback("", 0));
        stats.recordCallback(5_000, "text");
        stats.recordCallback(3_000, new Object()); // shorter: neither its name nor its time replaces the longest
        assertThat(stats.longestCallback()).isEqualTo(new LoopStats.LongestCallback("java.lang.String", 5_000));
        stats.recordCallback(7_000, 42);
        assertThat(stats.longestCallback()).isEqualTo(new LoopStats.LongestCallback("java.lang.Integer", 7_000));
    }

    @Test
    void taskLatencyCountAndTotalComeFromOneHistogram() {
        LoopStats stats = new LoopStats();
        assertThat(stats.taskLatencyTotals()).isEqualTo(new LoopStats.TaskLatencyTotals(0, 0));
        for (int i = 1; i <= 100; i++) {
            stats.taskRun(TimeUnit.MICROSECONDS.toNanos(i));
        }
        stats.taskRun(-1); // not measured: counted as run, not in the latency
        LoopStats.TaskLatencyTotals totals = stats.taskLatencyTotals();
        Histogram h = stats.taskLatency();
        assertThat(totals.count()).isEqualTo(100).isEqualTo(h.getTotalCount());
        assertThat(totals.totalNanos()).isEqualTo(h.getMean() * h.getTotalCount());
        assertThat(totals.totalNanos()).isCloseTo(5050_000.0, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(stats.tasksRun()).isEqualTo(101);
    }
}
