package io.evbase.loop;

import java.time.Duration;

/**
 * A span of recent wall time over which a loop's load (its busy ratio) is reported, after the 1, 5 and 15 minute
 * windows of Unix load averages, shortened to what a reactor changes on.
 *
 * <p>Threading: immutable.
 */
public enum LoadWindow {

    ONE_SECOND("1s", Duration.ofSeconds(1)),
    TEN_SECONDS("10s", Duration.ofSeconds(10)),
    ONE_MINUTE("60s", Duration.ofSeconds(60));

    private final String label;
    private final Duration span;

    LoadWindow(String label, Duration span) {
        this.label = label;
        this.span = span;
    }

    /** The short name used as a JSON key and a meter tag: {@code 1s}, {@code 10s}, {@code 60s}. */
    public String label() {
        return label;
    }

    public Duration span() {
        return span;
    }

    /** The longest window; samples are kept this long. */
    static LoadWindow longest() {
        return ONE_MINUTE;
    }
}
