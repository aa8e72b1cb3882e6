package io.evbase.boot;

import io.evbase.loop.EventBase;
import io.evbase.loop.LoopStall;
import io.evbase.loop.StallWatchdog;
import io.evbase.net.Server;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code reactor} health contributor: DOWN while any loop is stalled (with the loop's id, thread, how long and
 * its stack) or has died; UP otherwise. Draining and paused accepting are not failures: they take the instance out
 * of the readiness group instead ({@link EvbaseReadinessStateHealthIndicator}).
 *
 * <p>Threading: thread-safe; reads what the {@link StallWatchdog} and the server publish.
 */
public class EvbaseHealthIndicator extends AbstractHealthIndicator {

    private final Server server;
    private final StallWatchdog watchdog;

    public EvbaseHealthIndicator(Server server, StallWatchdog watchdog) {
        super("reactor health check failed");
        this.server = server;
        this.watchdog = watchdog;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        List<StalledLoop> stalled = watchdog.stalled().stream().map(StalledLoop::of).toList();
        List<Integer> dead = new ArrayList<>();
        if (!server.isDraining() && !server.isStopped()) {
            for (EventBase loop : server.group().loops()) {
                if (loop.isTerminated()) {
                    dead.add(loop.id());
                }
            }
        }
        if (stalled.isEmpty() && dead.isEmpty()) {
            builder.up();
        } else {
            builder.down();
        }
        builder.withDetail("loops", server.group().size())
                .withDetail("stallThreshold", watchdog.threshold().toMillis())
                .withDetail("stalled", stalled);
        if (!dead.isEmpty()) {
            builder.withDetail("dead", dead);
        }
        builder.withDetail("acceptPaused", server.isAcceptPaused()).withDetail("draining", server.isDraining());
    }

    /**
     * A stalled loop, as the health details show it.
     *
     * @param loop       the loop's id
     * @param thread     its thread's name
     * @param stalledFor how long it has been in the stalled iteration, in milliseconds
     * @param stack      its stack when the stall was found, innermost first
     */
    public record StalledLoop(int loop, String thread, long stalledFor, List<String> stack) {

        static StalledLoop of(LoopStall s) {
            return new StalledLoop(s.loop(), s.thread(), s.duration().toMillis(), s.stackLines());
        }
    }
}
