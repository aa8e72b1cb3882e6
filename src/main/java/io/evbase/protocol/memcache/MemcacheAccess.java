package io.evbase.protocol.memcache;

/**
 * Who may do what on a memcache listener: ASCII authentication ({@code memcached -Y}: until a connection has
 * authenticated, only the authentication {@code set} is accepted) and a switch per family of administrative
 * commands. A disabled command answers as memcached answers a command its configuration disabled
 * ({@code memcached -F}: {@code CLIENT_ERROR flush_all not allowed}); memcached has no switch for the others, so
 * they answer in the same form: {@code CLIENT_ERROR cache_memlimit not allowed},
 * {@code CLIENT_ERROR verbosity not allowed}, {@code CLIENT_ERROR stats reset not allowed},
 * {@code CLIENT_ERROR stats detail not allowed}.
 *
 * @param auth          the users, or null for no authentication
 * @param flushAll      whether {@code flush_all} is accepted
 * @param cacheMemlimit whether {@code cache_memlimit} is accepted
 * @param verbosity     whether {@code verbosity} is accepted
 * @param statsControl  whether {@code stats reset} and {@code stats detail} are accepted
 *
 * <p>Threading: immutable.
 */
public record MemcacheAccess(AuthFile auth, boolean flushAll, boolean cacheMemlimit, boolean verbosity,
        boolean statsControl) {

    /** No authentication, every command allowed: memcached's defaults. */
    public static final MemcacheAccess OPEN = new MemcacheAccess(null, true, true, true, true);

    /** Whether connections start unauthenticated. */
    public boolean authRequired() {
        return auth != null;
    }
}
