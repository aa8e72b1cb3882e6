package io.evbase.loop;

/** How an {@link EventBaseGroup} picks the loop for a new connection. */
public enum Dispatch {
    /** Each loop in turn, memcached's choice: even and free of shared state. */
    ROUND_ROBIN,
    /** The loop with the fewest registered channels; evens out long-lived connections of uneven life. */
    LEAST_CONNECTIONS
}
