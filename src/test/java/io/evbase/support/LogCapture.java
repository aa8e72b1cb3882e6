package io.evbase.support;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures what the core logs (java.util.logging) under some loggers while a test provokes failures on purpose: a
 * handler that throws, a loop blocked to be found stalled, peers that reset. The records are kept for the test's
 * assertions instead of being printed, so that a green build reads green; a test that fails prints them.
 *
 * <p>Two ways to use it:
 * <ul>
 *   <li>as a JUnit extension, around every test method of a class, printing the records when the test failed:
 *       {@code @RegisterExtension final LogCapture log = LogCapture.of(StallWatchdog.class);}</li>
 *   <li>for a block (a jqwik container, a part of a test), closed by the test:
 *       {@code try (LogCapture log = LogCapture.start("io.evbase")) { ... }}</li>
 * </ul>
 * While capturing, the loggers keep their records from their parents' handlers (the console, or Spring Boot's
 * bridge to its log) and log at least {@link Level#INFO} whatever the build's logging configuration says; both are
 * restored afterwards.
 *
 * <p>Threading: records arrive from any thread (loops, the acceptor, watchdogs) and are read from any thread.
 */
public final class LogCapture extends Handler implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

    private final List<String> names;
    /** Held while capturing: java.util.logging keeps loggers weakly, and a collected one would lose the settings. */
    private final List<Logger> loggers = new ArrayList<>();
    private final List<Boolean> parentHandlers = new ArrayList<>();
    private final List<Level> levels = new ArrayList<>();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(List<String> names) {
        this.names = List.copyOf(names);
        setLevel(Level.ALL);
        setFormatter(new SimpleFormatter());
    }

    /** A capture of the loggers named, for {@code @RegisterExtension}: it runs around each test method. */
    public static LogCapture of(String... loggers) {
        return new LogCapture(List.of(loggers));
    }

    /** A capture of the loggers of these classes, for {@code @RegisterExtension}. */
    public static LogCapture of(Class<?>... classes) {
        return new LogCapture(List.of(classes).stream().map(Class::getName).toList());
    }

    /** Starts capturing the loggers named, until {@link #close()}. */
    public static LogCapture start(String... loggers) {
        LogCapture capture = of(loggers);
        capture.open();
        return capture;
    }

    private synchronized void open() {
        records.clear();
        for (String name : names) {
            Logger logger = Logger.getLogger(name);
            loggers.add(logger);
            parentHandlers.add(logger.getUseParentHandlers());
            levels.add(logger.getLevel());
            logger.addHandler(this);
            logger.setUseParentHandlers(false);
            if (!logger.isLoggable(Level.INFO)) {
                logger.setLevel(Level.INFO);
            }
        }
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < loggers.size(); i++) {
            Logger logger = loggers.get(i);
            logger.removeHandler(this);
            logger.setUseParentHandlers(parentHandlers.get(i));
            logger.setLevel(levels.get(i));
        }
        loggers.clear();
        parentHandlers.clear();
        levels.clear();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        open();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
        if (context.getExecutionException().isPresent() && !records.isEmpty()) {
            print(System.err, context.getDisplayName());
        }
    }

    /** Prints the records captured, formatted as the console would have shown them. */
    public void print(PrintStream out, String what) {
        out.println("---- " + records.size() + " log records captured during " + what + " ----");
        records.forEach(r -> out.print(getFormatter().format(r)));
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /** Every record so far. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The records at {@code level} or above. */
    public List<LogRecord> atLeast(Level level) {
        return matching(r -> r.getLevel().intValue() >= level.intValue());
    }

    /** The records at {@code level} or above whose message contains {@code text}. */
    public List<LogRecord> atLeast(Level level, String text) {
        return matching(r -> r.getLevel().intValue() >= level.intValue() && message(r).contains(text));
    }

    /** Records whose message contains {@code text}. */
    public long count(String text) {
        return matching(r -> message(r).contains(text)).size();
    }

    /**
     * The records that mean an exception reached a loop's or the acceptor's own guard: anything at
     * {@link Level#SEVERE}, and the warnings "task threw", "failure handler threw", "event loop ... died",
     * "acceptor died". Formatted for an assertion message.
     */
    public List<String> escapes() {
        return matching(r -> r.getLevel().intValue() >= Level.SEVERE.intValue() || message(r).startsWith("task threw")
                || message(r).startsWith("failure handler threw") || message(r).contains("died"))
                .stream()
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + message(r)
                        + (r.getThrown() == null ? "" : " " + r.getThrown()))
                .collect(Collectors.toList());
    }

    private List<LogRecord> matching(Predicate<LogRecord> filter) {
        return records.stream().filter(filter).toList();
    }

    private static String message(LogRecord r) {
        return String.valueOf(r.getMessage());
    }

    @Override
    public void flush() {
    }
}
