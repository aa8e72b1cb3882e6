package io.evbase.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a listener configuration that cannot work ({@link InvalidListenerException}) as Spring Boot reports its own
 * start-up failures: a description naming the property and an action, no stack trace.
 *
 * <p>Threading: called once, on the thread that failed to start the application.
 */
class InvalidListenerFailureAnalyzer extends AbstractFailureAnalyzer<InvalidListenerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidListenerException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
