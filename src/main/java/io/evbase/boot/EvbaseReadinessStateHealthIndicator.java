package io.evbase.boot;

import io.evbase.net.Server;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;

/**
 * The readiness probe's indicator ({@code readinessState}, in the {@code readiness} group): the application's
 * readiness state, overridden to {@link ReadinessState#REFUSING_TRAFFIC} (OUT_OF_SERVICE, HTTP 503) while the
 * server drains for shutdown or has paused accepting. Decided at each probe, so the instance leaves the load
 * balancer as soon as either begins and returns once accepting resumes.
 *
 * <p>Threading: thread-safe; reads the server's volatile flags.
 */
public class EvbaseReadinessStateHealthIndicator extends ReadinessStateHealthIndicator {

    private final Server server;

    public EvbaseReadinessStateHealthIndicator(ApplicationAvailability availability, Server server) {
        super(availability);
        this.server = server;
    }

    @Override
    protected AvailabilityState getState(ApplicationAvailability availability) {
        if (server.isDraining() || server.isAcceptPaused()) {
            return ReadinessState.REFUSING_TRAFFIC;
        }
        return super.getState(availability);
    }
}
