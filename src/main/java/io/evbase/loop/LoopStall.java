package io.evbase.loop;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A loop caught in one iteration for longer than the stall threshold, as the {@link StallWatchdog} saw it.
 *
 * @param loop            the loop's id
 * @param thread          the loop thread's name
 * @param workStartNanos  {@link System#nanoTime()} when the stalled iteration began working
 * @param detectedAt      wall-clock time of detection
 * @param stack           the loop thread's stack at detection, innermost frame first
 *
 * <p>Threading: immutable.
 */
public record LoopStall(int loop, String thread, long workStartNanos, Instant detectedAt,
        List<StackTraceElement> stack) {

    public LoopStall {
        stack = List.copyOf(stack);
    }

    /** How long the loop has been in the stalled iteration, up to now. */
    public Duration duration() {
        return Duration.ofNanos(Math.max(0, System.nanoTime() - workStartNanos));
    }

    /** The stack as text lines, {@code at class.method(File.java:42)}, innermost first. */
    public List<String> stackLines() {
        return stack.stream().map(StackTraceElement::toString).toList();
    }
}
