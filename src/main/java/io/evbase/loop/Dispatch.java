package io.evbase.loop;

import java.util.Locale;

/**
 * How an {@link EventBaseGroup} picks the loop for a new connection. Every policy counts the connections handed to
 * a loop and not yet opened by it, skips loops that are stalled or whose hand-off queue is full while another loop
 * can take the connection, and breaks ties round-robin.
 *
 * <p>Threading: immutable.
 */
public enum Dispatch {
    /** Each loop in turn, memcached's choice: even and free of shared state. */
    ROUND_ROBIN,
    /**
     * The loop with the fewest connections, those handed over and not yet opened included (a burst of accepts is
     * spread, not all given to the loop that was emptiest before it); evens out long-lived connections of uneven
     * life.
     */
    LEAST_CONNECTIONS,
    /**
     * The loop with the lowest recent busy ratio ({@link EventBase#recentLoad()}, a moving average over about half a
     * second), each connection handed over and not yet opened counted as bringing the loop's current load per
     * connection (at least {@link EventBaseGroup#MIN_CONNECTION_LOAD}); loads within {@link EventBaseGroup#LOAD_TIE}
     * of the lowest are a tie. Steers new connections away from a loop kept busy by a few heavy clients. With the
     * loop accounting off ({@code evbase.loop.accounting=false}) every load reads 0 and the policy spreads
     * connections by the ones on their way, then round-robin.
     */
    LEAST_LOADED;

    /** The name used in configuration and on the endpoint: {@code round-robin}, {@code least-connections}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
