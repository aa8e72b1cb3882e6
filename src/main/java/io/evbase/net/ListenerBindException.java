package io.evbase.net;

import java.io.IOException;
import java.util.Locale;

/**
 * A listener could not bind its address: the port is in use, the address is not local, or the process may not
 * bind it. The message is one line: {@code listener memcache cannot bind 0.0.0.0:11211: address already in use}.
 *
 * <p>Threading: immutable.
 */
public final class ListenerBindException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String listener;
    private final String bindAddress;
    private final int port;

    public ListenerBindException(String listener, String bindAddress, int port, IOException cause) {
        super("listener " + listener + " cannot bind " + bindAddress + ":" + port + ": " + reason(cause), cause);
        this.listener = listener;
        this.bindAddress = bindAddress;
        this.port = port;
    }

    /** The operating system's reason, lower-cased to read as the end of a sentence. */
    private static String reason(IOException cause) {
        String m = cause.getMessage();
        if (m == null || m.isEmpty()) {
            return cause.getClass().getSimpleName();
        }
        return m.length() > 1 && Character.isUpperCase(m.charAt(0)) && !Character.isUpperCase(m.charAt(1))
                ? m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1) : m;
    }

    public String listener() {
        return listener;
    }

    public String bindAddress() {
        return bindAddress;
    }

    public int port() {
        return port;
    }
}
