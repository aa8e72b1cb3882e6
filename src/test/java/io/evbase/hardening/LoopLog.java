package io.evbase.hardening;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Captures what the core logs (java.util.logging under {@code io.evbase}) while a test runs, to prove that no
 * exception escaped into a loop or the acceptor: those are logged as "task threw", "failure handler threw",
 * "event loop ... died" or "acceptor died".
 */
final class LoopLog extends Handler implements AutoCloseable {

    private static final Logger ROOT = Logger.getLogger("io.evbase");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LoopLog() {
        setLevel(Level.ALL);
    }

    /** Captures instead of printing: the expected warnings (a handler failed, a peer reset) would flood the log. */
    static LoopLog capture() {
        LoopLog log = new LoopLog();
        ROOT.addHandler(log);
        ROOT.setUseParentHandlers(false);
        return log;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /** Records that mean an exception reached a loop's or the acceptor's own guard. */
    List<String> escapes() {
        return records.stream()
                .filter(r -> {
                    String m = String.valueOf(r.getMessage());
                    return r.getLevel().intValue() >= Level.SEVERE.intValue() || m.startsWith("task threw")
                            || m.startsWith("failure handler threw") || m.contains("died");
                })
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                        + (r.getThrown() == null ? "" : " " + r.getThrown()))
                .collect(Collectors.toList());
    }

    /** Records whose message contains {@code text}. */
    long count(String text) {
        return records.stream().filter(r -> String.valueOf(r.getMessage()).contains(text)).count();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        ROOT.removeHandler(this);
        ROOT.setUseParentHandlers(true);
    }
}
