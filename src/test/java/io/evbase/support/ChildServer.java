package io.evbase.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The evbase application in a child JVM, for what needs a real process: signals, exit, descriptor limits. The
 * test that starts it stops it through this handle ({@link #close()} kills it if it is still alive).
 *
 * <p>The child logs at INFO, as the deployable does (the tests' own logging configuration, which it shares through
 * the class path, logs warnings only); its output is kept for the test to read, not printed. A test class that
 * registers {@link OutputOnFailure} gets the output of the children it started printed when a test fails.
 *
 * <p>Threading: a thread of its own reads the child's output; the methods may be called from any thread.
 */
public final class ChildServer implements AutoCloseable {

    /** Where the tests' configuration lives (src/test/resources/test-config), as surefire sets it. */
    public static final String TEST_CONFIG = "optional:classpath:/test-config/";

    private static final Pattern LISTENER = Pattern.compile("evbase listener '([^']+)' \\([^)]*\\) on \\S+:(\\d+)");
    private static final Pattern MANAGEMENT = Pattern.compile("Tomcat started on port (\\d+)");
    /** The children started since the running test began, for {@link OutputOnFailure}. */
    private static final List<ChildServer> STARTED = new CopyOnWriteArrayList<>();

    private final Process process;
    private final String command;
    private final int listeners;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private volatile int managementPort;
    /** Completed once every listener and the management server have logged their ports, or the output ended. */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final Thread pump;

    private ChildServer(Process process, List<String> command, int listeners) {
        this.process = process;
        this.command = String.join(" ", command);
        this.listeners = listeners;
        this.pump = new Thread(this::pump, "child-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts the application with {@code args} and waits until every listener has logged its port. */
    public static ChildServer start(List<String> jvmArgs, List<String> args, int listeners, Duration timeout)
            throws IOException, InterruptedException {
        return start(List.of(), jvmArgs, args, listeners, timeout);
    }

    /** As {@link #start(List, List, int, Duration)}, with a command prefix such as {@code prlimit --nofile=...}. */
    public static ChildServer start(List<String> prefix, List<String> jvmArgs, List<String> args, int listeners,
            Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.evbase.server.EvbaseApplication");
        command.add("--spring.main.banner-mode=off");
        if (args.stream().noneMatch(a -> a.startsWith("--spring.config.location"))) {
            // The tests' settings and what the test passes: the deployable's ./application.yml binds fixed ports.
            command.add("--spring.config.location=" + TEST_CONFIG);
        }
        command.add("--server.port=0"); // the management server shares it: one HTTP port
        command.add("--logging.level.root=INFO"); // as the deployable logs; the test reads the lines
        command.addAll(args);
        return launch(command, listeners, timeout);
    }

    /**
     * Runs {@code java -jar jar} as the README does, in the project directory (so the deployable's
     * {@code ./application.yml} applies; pass its ports in {@code args}), and waits as {@link #start} does.
     */
    public static ChildServer startJar(Path jar, List<String> jvmArgs, List<String> args, int listeners,
            Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        command.add("--spring.main.banner-mode=off");
        command.addAll(args);
        return launch(command, listeners, timeout);
    }

    private static ChildServer launch(List<String> command, int listeners, Duration timeout)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ChildServer child = new ChildServer(p, command, listeners);
        STARTED.add(child);
        try {
            child.started.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // neither every port nor the end of the output in time
        }
        if (!child.isStarted()) {
            child.close();
            throw new IllegalStateException("child server did not start:\n" + String.join("\n", child.output));
        }
        return child;
    }

    private boolean isStarted() {
        return ports.size() >= listeners && managementPort != 0;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.add(line);
                Matcher m = LISTENER.matcher(line);
                if (m.find()) {
                    ports.put(m.group(1), Integer.parseInt(m.group(2)));
                }
                Matcher mm = MANAGEMENT.matcher(line);
                if (mm.find()) {
                    managementPort = Integer.parseInt(mm.group(1));
                }
                if (isStarted()) {
                    started.complete(null);
                }
            }
        } catch (IOException ignored) {
            // the child is gone
        } finally {
            started.complete(null); // the output ended: started or never will be
        }
    }

    public int port(String listener) {
        return ports.get(listener);
    }

    public int managementPort() {
        return managementPort;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public List<String> output() {
        return output;
    }

    /** Sends SIGTERM, as Kubernetes does. Through the handle: Process.destroy() would also close our end of its output. */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Waits for the process to exit and for its last output lines to be read. */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (exited) {
            pump.join(5000);
        }
        return exited;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Prints the command and output of every child a test started when the test fails:
     * {@code @ExtendWith(ChildServer.OutputOnFailure.class)}.
     */
    public static final class OutputOnFailure implements BeforeEachCallback, AfterEachCallback {

        @Override
        public void beforeEach(ExtensionContext context) {
            STARTED.clear();
        }

        @Override
        public void afterEach(ExtensionContext context) {
            if (context.getExecutionException().isPresent()) {
                for (ChildServer child : STARTED) {
                    System.err.println("---- child server of " + context.getDisplayName() + ": " + child.command);
                    child.output.forEach(System.err::println);
                }
            }
            STARTED.clear();
        }
    }
}
