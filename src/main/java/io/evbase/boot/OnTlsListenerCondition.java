package io.evbase.boot;

import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when at least one listener names an SSL bundle ({@code evbase.listeners.<name>.ssl.bundle}), so that
 * what only TLS listeners need (the {@code tls} health contributor) stays out of a plaintext server.
 *
 * <p>Threading: evaluated once, while the context is refreshed.
 */
final class OnTlsListenerCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, EvbaseProperties.ListenerProperties> listeners = Binder.get(context.getEnvironment())
                .bind("evbase.listeners", Bindable.mapOf(String.class, EvbaseProperties.ListenerProperties.class))
                .orElse(Map.of());
        for (Map.Entry<String, EvbaseProperties.ListenerProperties> e : listeners.entrySet()) {
            if (e.getValue().getSsl().isEnabled()) {
                return ConditionOutcome.match("listener " + e.getKey() + " names SSL bundle "
                        + e.getValue().getSsl().getBundle());
            }
        }
        return ConditionOutcome.noMatch("no listener names an SSL bundle");
    }
}
