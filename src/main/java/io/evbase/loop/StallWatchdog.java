package io.evbase.loop;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Notices loops stuck in one iteration, after Vert.x's {@code BlockedThreadChecker}: every check interval it
 * looks at each loop's {@link EventBase#workStartNanos()}; a loop that has been working on the same iteration
 * for longer than the threshold is stalled. The watchdog then logs the loop thread's stack once (a warning whose
 * exception carries the loop's stack), counts the stall and reports the loop {@linkplain #stall stalled} until
 * that iteration ends; the next stall is a new one.
 *
 * <p>A stall is found between {@code threshold} and {@code threshold + checkInterval} after it began; the check
 * interval defaults to a quarter of the threshold (between 10 ms and 1 s).
 *
 * <p>Threading: thread-safe. The checks run on the watchdog's own daemon thread ({@code evbase-stall-watchdog});
 * {@link #stall}, {@link #stalls} and {@link #stalled()} may be called from any thread.
 */
public final class StallWatchdog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StallWatchdog.class.getName());

    private final List<EventBase> loops;
    private final long thresholdNanos;
    private final long intervalNanos;
    private final Watched[] watched;
    private final Thread thread;
    private volatile boolean closed;

    public StallWatchdog(List<EventBase> loops, Duration threshold) {
        this(loops, threshold, defaultInterval(threshold));
    }

    public StallWatchdog(List<EventBase> loops, Duration threshold, Duration checkInterval) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("the stall threshold must be positive: " + threshold);
        }
        this.loops = List.copyOf(loops);
        this.thresholdNanos = threshold.toNanos();
        this.intervalNanos = Math.max(1, checkInterval.toNanos());
        this.watched = new Watched[this.loops.size()];
        for (int i = 0; i < watched.length; i++) {
            watched[i] = new Watched();
        }
        this.thread = new Thread(this::run, "evbase-stall-watchdog");
        this.thread.setDaemon(true);
    }

    static Duration defaultInterval(Duration threshold) {
        long quarter = threshold.toNanos() / 4;
        return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(quarter,
                TimeUnit.SECONDS.toNanos(1))));
    }

    public StallWatchdog start() {
        thread.start();
        return this;
    }

    public Duration threshold() {
        return Duration.ofNanos(thresholdNanos);
    }

    public Duration checkInterval() {
        return Duration.ofNanos(intervalNanos);
    }

    /** The stall {@code loop} is in right now, if any. */
    public Optional<LoopStall> stall(EventBase loop) {
        return Optional.ofNullable(watched[indexOf(loop)].stall);
    }

    /** Stalls of {@code loop} since the watchdog started. */
    public long stalls(EventBase loop) {
        return watched[indexOf(loop)].count;
    }

    /** Every loop stalled right now, by loop id. */
    public List<LoopStall> stalled() {
        List<LoopStall> list = new ArrayList<>();
        for (Watched w : watched) {
            LoopStall s = w.stall;
            if (s != null) {
                list.add(s);
            }
        }
        return list;
    }

    /** Looks at every loop once; the watchdog thread calls this every check interval, tests may too. */
    void check(long nowNanos) {
        for (int i = 0; i < watched.length; i++) {
            check(loops.get(i), watched[i], nowNanos);
        }
    }

    private void check(EventBase loop, Watched w, long now) {
        long start = loop.workStartNanos();
        LoopStall current = w.stall;
        if (current != null) {
            if (start == current.workStartNanos()) {
                return; // still in the same iteration: reported once already
            }
            w.stall = null;
            LOG.info(() -> "event loop " + loop.name() + " moved again after "
                    + TimeUnit.NANOSECONDS.toMillis(now - current.workStartNanos()) + " ms");
        }
        if (start == 0 || now - start <= thresholdNanos || loop.isTerminated()) {
            return;
        }
        StackTraceElement[] stack = loop.thread().getStackTrace();
        if (loop.workStartNanos() != start) {
            return; // it moved while we looked: the stack belongs to a later iteration
        }
        LoopStall stall = new LoopStall(loop.id(), loop.name(), start, Instant.now(), Arrays.asList(stack));
        w.count = w.count + 1;
        w.stall = stall;
        log(loop, stall, now - start, stack);
    }

    private void log(EventBase loop, LoopStall stall, long stalledNanos, StackTraceElement[] stack) {
        LoopStalledException where = new LoopStalledException(loop.name());
        where.setStackTrace(stack);
        LogRecord record = new LogRecord(Level.WARNING, "event loop " + stall.thread() + " has been blocked for "
                + TimeUnit.NANOSECONDS.toMillis(stalledNanos) + " ms, time limit is "
                + TimeUnit.NANOSECONDS.toMillis(thresholdNanos) + " ms; its stack follows");
        record.setThrown(where);
        record.setLoggerName(LOG.getName());
        LOG.log(record);
    }

    private int indexOf(EventBase loop) {
        return EventBaseGroup.indexOf(loops, loop, "watched");
    }

    private void run() {
        while (!closed) {
            try {
                check(System.nanoTime());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stall check failed", e);
            }
            LockSupport.parkNanos(this, intervalNanos);
        }
    }

    /** Stops the watchdog thread. */
    @Override
    public void close() {
        closed = true;
        DaemonThreads.stop(thread);
    }

    /** What one loop's watch knows; written by the watchdog thread only, read by anyone. */
    private static final class Watched {
        volatile LoopStall stall;
        volatile long count;
    }

    /** Carries a stalled loop's stack into the log; never thrown. */
    static final class LoopStalledException extends RuntimeException {
        LoopStalledException(String loop) {
            super("event loop " + loop + " stalled", null, false, true);
        }
    }
}
