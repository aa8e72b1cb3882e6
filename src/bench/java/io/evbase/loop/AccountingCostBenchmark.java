package io.evbase.loop;

import java.util.Locale;

/**
 * The cost of the loop accounting itself, without sockets: repeats, on one thread, exactly what an
 * {@link EventBase} adds when {@code evbase.loop.accounting} is on (the default):
 * <ul>
 * <li>per iteration with one I/O event (an echo round trip): three {@link System#nanoTime()} calls, the
 * event counter, the longest-callback check and the busy-time/iteration update;</li>
 * <li>per posted task: two more {@code nanoTime} calls (post and run), the task counter, the latency recorder and
 * the longest-callback check.</li>
 * </ul>
 * Divide by the loop's CPU time per echo message ({@link AccountingOverheadBenchmark}) for the overhead; on a
 * shared machine this is steadier than comparing throughputs. A main class, not a test; {@code bench/run.sh --only
 * accounting} runs it (the last line, {@code RESULT ...}, is what it records).
 *
 * <p>Threading: single-threaded.
 */
public final class AccountingCostBenchmark {

    public static void main(String[] args) {
        long rounds = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        LoopStats stats = new LoopStats();
        Object handler = new Object();
        for (int warm = 0; warm < 3; warm++) {
            perIteration(stats, handler, rounds / 4);
            perTask(stats, handler, rounds / 4);
        }
        double bestIteration = Double.MAX_VALUE;
        double bestTask = Double.MAX_VALUE;
        for (int run = 0; run < 5; run++) {
            bestIteration = Math.min(bestIteration, perIteration(stats, handler, rounds));
            bestTask = Math.min(bestTask, perTask(stats, handler, rounds));
        }
        System.out.printf(Locale.ROOT, "accounting cost: %.1f ns per iteration with one I/O event, %.1f ns per task"
                + " (best of 5 x %d)%n", bestIteration, bestTask, rounds);
        System.out.printf(Locale.ROOT, "(iterations counted: %d)%n", stats.iterations());
        System.out.printf(Locale.ROOT, "RESULT iteration_ns=%.1f task_ns=%.1f%n", bestIteration, bestTask);
    }

    /** What onReady and the end of run() add for an iteration that handles one ready key. */
    private static double perIteration(LoopStats stats, Object handler, long rounds) {
        long t0 = System.nanoTime();
        for (long i = 0; i < rounds; i++) {
            long workStart = System.nanoTime(); // stands for startWork(), which runs with or without accounting
            long start = System.nanoTime();
            stats.ioEvent();
            stats.recordCallback(System.nanoTime() - start, handler);
            stats.addBusy(workStart, System.nanoTime());
        }
        return (System.nanoTime() - t0) / (double) rounds - nanoTimeCost(rounds / 10);
    }

    /** What execute() and runGuarded() add for one posted task. */
    private static double perTask(LoopStats stats, Object task, long rounds) {
        long t0 = System.nanoTime();
        for (long i = 0; i < rounds; i++) {
            long posted = System.nanoTime();
            long latency = System.nanoTime() - posted;
            long start = System.nanoTime();
            stats.taskRun(latency);
            stats.recordCallback(System.nanoTime() - start, task);
        }
        return (System.nanoTime() - t0) / (double) rounds;
    }

    /** One nanoTime call, subtracted from the iteration figure for the work start the loop takes anyway. */
    private static double nanoTimeCost(long rounds) {
        long sink = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < rounds; i++) {
            sink += System.nanoTime();
        }
        double cost = (System.nanoTime() - t0) / (double) rounds;
        return sink == 42 ? cost + 1 : cost;
    }
}
