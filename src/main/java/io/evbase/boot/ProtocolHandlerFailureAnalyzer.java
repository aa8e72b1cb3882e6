package io.evbase.boot;

import io.evbase.protocol.ProtocolHandler;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Reports a protocol handler bean that threw while it was created (its constructor or {@code @Bean} method) in one
 * line: the handler, the exception that stopped it and where it was thrown. The full stack trace stays available at
 * DEBUG level ({@code logging.level.org.springframework.boot.diagnostics=debug}).
 *
 * <p>Threading: called once, on the thread that failed to start the application.
 */
class ProtocolHandlerFailureAnalyzer implements FailureAnalyzer {

    private final BeanFactory beans;

    ProtocolHandlerFailureAnalyzer(BeanFactory beans) {
        this.beans = beans;
    }

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        BeanCreationException handlerFailure = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BeanCreationException b && b.getBeanName() != null && isHandler(b.getBeanName())) {
                handlerFailure = b; // the innermost: a handler created while another bean was
            }
        }
        if (handlerFailure == null) {
            return null;
        }
        Throwable root = handlerFailure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof InvalidListenerException) {
            return null; // reported by its own analyzer
        }
        String where = root.getStackTrace().length == 0 ? "" : " (at " + root.getStackTrace()[0] + ")";
        String description = "protocol handler '" + handlerFailure.getBeanName() + "' failed to start: "
                + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage()) + where;
        return new FailureAnalysis(description, "Fix the cause above; the handler's bean method or constructor threw "
                + "it. The stack trace is logged at DEBUG (--logging.level.org.springframework.boot.diagnostics=debug).",
                root);
    }

    private boolean isHandler(String beanName) {
        try {
            return beans.isTypeMatch(beanName, ProtocolHandler.class);
        } catch (NoSuchBeanDefinitionException e) {
            return false;
        }
    }
}
