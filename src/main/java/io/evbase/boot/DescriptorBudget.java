package io.evbase.boot;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The default connection limit of each listener, derived from the process's file descriptor limit as memcached
 * checks its {@code maxconns} against {@code RLIMIT_NOFILE}: every connection holds a descriptor, and so do the
 * management port's connections, the jars, log files, selectors and listening sockets. Running out of
 * descriptors hits whatever opens one next, often the health probe, so the listeners' limits leave a reserve:
 *
 * <pre>
 *   reserve                = max(256, limit / 10)
 *   listener max-connections (unset) = (limit - reserve - the max-connections set explicitly) / the listeners without one
 * </pre>
 *
 * With the limit at 20,000 and two listeners, each gets 9,000 and 2,000 descriptors stay free; at 1,048,576
 * (a common container default), 471,859 each. Where the JVM cannot read the limit (not a Unix JVM) the default is
 * {@link #FALLBACK} per listener. A configuration whose limits add up to more than the limit less the reserve is
 * accepted, with a warning.
 *
 * <p>Threading: stateless.
 */
final class DescriptorBudget {

    /** Descriptors kept for everything but the listeners' connections, at least. */
    static final long MIN_RESERVE = 256;
    /** And at least this part of the limit: a tenth. */
    static final int RESERVE_DIVISOR = 10;
    /** A listener's default where the descriptor limit is unknown. */
    static final int FALLBACK = 10_000;

    private DescriptorBudget() {
    }

    /** The process's descriptor limit (the soft {@code RLIMIT_NOFILE}, which the JVM raises to the hard one). */
    static OptionalLong descriptorLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix && unix.getMaxFileDescriptorCount() > 0) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    static long reserve(long limit) {
        return Math.min(limit, Math.max(MIN_RESERVE, limit / RESERVE_DIVISOR));
    }

    /**
     * Each listener's limit: the configured one, or its share of the budget.
     *
     * @param configured listener name to its configured max-connections, null where unset (iteration order kept)
     * @param limit      the descriptor limit, if known
     */
    static Map<String, Integer> maxConnections(Map<String, Integer> configured, OptionalLong limit) {
        long explicit = 0;
        int unset = 0;
        for (Integer v : configured.values()) {
            if (v == null) {
                unset++;
            } else {
                explicit += v;
            }
        }
        int share = FALLBACK;
        if (limit.isPresent() && unset > 0) {
            long budget = limit.getAsLong() - reserve(limit.getAsLong()) - explicit;
            share = (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget / unset));
        }
        Map<String, Integer> limits = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : configured.entrySet()) {
            limits.put(e.getKey(), e.getValue() != null ? e.getValue() : share);
        }
        return limits;
    }

    /** A warning when the listeners may hold more connections than the descriptors left after the reserve. */
    static Optional<String> overcommitWarning(Map<String, Integer> limits, OptionalLong limit) {
        if (limit.isEmpty()) {
            return Optional.empty();
        }
        long total = limits.values().stream().mapToLong(Integer::longValue).sum();
        long available = limit.getAsLong() - reserve(limit.getAsLong());
        if (total <= available) {
            return Optional.empty();
        }
        return Optional.of(String.format(java.util.Locale.ROOT, "evbase listeners may hold %,d connections %s, but "
                + "the descriptor limit is %,d and %,d of it is kept for the management port and files: past %,d "
                + "connections the health probe and the JVM's own files may find no descriptor. Raise the limit "
                + "(ulimit -n) or lower evbase.listeners.<name>.max-connections.", total, limits, limit.getAsLong(),
                reserve(limit.getAsLong()), available));
    }
}
