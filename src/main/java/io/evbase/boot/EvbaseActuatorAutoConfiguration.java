package io.evbase.boot;

import io.evbase.loop.LoopSampler;
import io.evbase.loop.StallWatchdog;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.net.tls.ListenerTls;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Makes the loops visible through the actuator: the {@code reactor} endpoint, the {@code reactor} health
 * contributor, a readiness indicator that refuses traffic while the server drains or has paused accepting, and
 * the {@code evbase.*} meters. Each part backs off when its actuator module is absent or the application defines
 * its own bean.
 *
 * <p>Ordered before Spring Boot's availability health auto-configurations so that its
 * {@code readinessStateHealthIndicator} replaces theirs.
 *
 * <p>Threading: configuration, applied once while the context starts.
 */
@AutoConfiguration(after = { EvbaseAutoConfiguration.class, ApplicationAvailabilityAutoConfiguration.class },
        beforeName = {
                "org.springframework.boot.health.autoconfigure.application.AvailabilityHealthContributorAutoConfiguration",
                "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration" })
@ConditionalOnBean({ Server.class, LoopSampler.class, StallWatchdog.class })
public final class EvbaseActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    static class ReactorEndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        EvbaseEndpoint reactorEndpoint(Server server, LoopSampler sampler, StallWatchdog watchdog) {
            return new EvbaseEndpoint(server, sampler, watchdog);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class ReactorHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "reactorHealthIndicator")
        @ConditionalOnEnabledHealthIndicator("reactor")
        EvbaseHealthIndicator reactorHealthIndicator(Server server, StallWatchdog watchdog) {
            return new EvbaseHealthIndicator(server, watchdog);
        }

        /** The {@code tls} contributor: each TLS listener's certificate and reloads (only with TLS listeners). */
        @Bean
        @ConditionalOnMissingBean(name = "tlsHealthIndicator")
        @ConditionalOnEnabledHealthIndicator("tls")
        @Conditional(OnTlsListenerCondition.class)
        EvbaseTlsHealthIndicator tlsHealthIndicator(Server server) {
            return new EvbaseTlsHealthIndicator(() -> tlsListeners(server));
        }

        /** Replaces Spring Boot's readiness indicator, which the readiness probe group contains. */
        @Bean
        @ConditionalOnMissingBean(name = "readinessStateHealthIndicator")
        @ConditionalOnBooleanProperty(name = "management.endpoint.health.probes.enabled", matchIfMissing = true)
        ReadinessStateHealthIndicator readinessStateHealthIndicator(ApplicationAvailability availability,
                Server server) {
            return new EvbaseReadinessStateHealthIndicator(availability, server);
        }
    }

    /** Bad health paths answer 404 instead of 500 and an ERROR stack trace per request. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = { "org.springframework.web.servlet.HandlerExceptionResolver",
            "org.springframework.boot.health.actuate.endpoint.HealthEndpoint" })
    static class HealthPathConfiguration {

        @Bean
        @ConditionalOnMissingBean
        HealthPathExceptionResolver evbaseHealthPathExceptionResolver() {
            return new HealthPathExceptionResolver();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class ReactorMetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        EventLoopMetrics evbaseEventLoopMetrics(Server server, LoopSampler sampler, StallWatchdog watchdog) {
            return new EventLoopMetrics(server.group().loops(), sampler, watchdog);
        }

        @Bean
        @ConditionalOnMissingBean
        ListenerMetrics evbaseListenerMetrics(Server server) {
            return new ListenerMetrics(server);
        }

        @Bean
        @ConditionalOnMissingBean
        TlsMetrics evbaseTlsMetrics(Server server) {
            return new TlsMetrics(tlsListeners(server));
        }

        @Bean
        @ConditionalOnMissingBean
        BufferMetrics evbaseBufferMetrics(Server server) {
            return new BufferMetrics(server);
        }
    }

    /** The TLS of the listeners that have it. */
    static List<ListenerTls> tlsListeners(Server server) {
        return server.listenerConfigs().stream().map(ListenerSpec::tls).filter(Objects::nonNull).toList();
    }
}
