package io.evbase.boot;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers 404 for a health path whose inner part names no contributor ({@code GET /actuator/health/x/y}). Spring
 * Boot's health endpoint looks the path up segment by segment and fails an assertion once a segment matches
 * nothing, which would otherwise answer 500 and log an ERROR with a stack trace for every such request: a client
 * could fill the log. Only that failure is resolved here; every other exception goes on to the usual resolvers.
 *
 * <p>Threading: stateless; called on the web server's threads.
 */
class HealthPathExceptionResolver implements HandlerExceptionResolver, Ordered {

    private static final Log LOG = LogFactory.getLog(HealthPathExceptionResolver.class);
    private static final String HEALTH_SUPPORT = "org.springframework.boot.health.actuate.endpoint.HealthEndpointSupport";

    @Override
    public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
            @Nullable Object handler, Exception ex) {
        if (!isUnknownHealthPath(ex)) {
            return null;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("no health contributor at " + request.getRequestURI() + ": 404");
        }
        try {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
        } catch (IOException e) {
            LOG.debug("could not answer 404 for " + request.getRequestURI(), e);
        }
        return new ModelAndView();
    }

    /** The assertion in {@code HealthEndpointSupport.getContributor} that fails for a path that leads nowhere. */
    static boolean isUnknownHealthPath(Throwable ex) {
        if (!(ex instanceof IllegalStateException) || ex.getStackTrace().length == 0) {
            return false;
        }
        for (StackTraceElement frame : ex.getStackTrace()) {
            if (frame.getClassName().equals(HEALTH_SUPPORT)) {
                return frame.getMethodName().equals("getContributor");
            }
        }
        return false;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
