package io.evbase.boot;

/**
 * A listener's configuration cannot work: no port, no or an unknown protocol, limits out of range. Thrown while the
 * server is assembled, so the application fails to start; {@link InvalidListenerFailureAnalyzer} reports the
 * description and the action, without a stack trace.
 *
 * <p>Threading: immutable.
 */
public class InvalidListenerException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String listener;
    private final String action;

    public InvalidListenerException(String listener, String description, String action) {
        super(description);
        this.listener = listener;
        this.action = action;
    }

    /** The listener's name, as in {@code evbase.listeners.<name>}. */
    public String listener() {
        return listener;
    }

    /** What to change, one sentence. */
    public String action() {
        return action;
    }
}
