package example.kv;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * kv-server in a process of its own, as it runs in production: a real JVM that a test can send SIGTERM to. Ports
 * are ephemeral (taken from its log); the test that starts it closes it ({@link #close()} kills it if alive).
 */
final class KvProcess implements AutoCloseable {

    private static final Pattern LISTENER = Pattern.compile("evbase listener 'kv' \\([^)]*\\) on \\S+:(\\d+)");
    private static final Pattern HTTP = Pattern.compile("Tomcat started on port (\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Thread pump;
    private volatile int port;
    private volatile int managementPort;

    private KvProcess(Process process) {
        this.process = process;
        this.pump = new Thread(this::pump, "kv-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts kv-server with {@code args} on top of ephemeral ports and waits until it listens. */
    static KvProcess start(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                KvServer.class.getName(), "--spring.main.banner-mode=off", "--evbase.listeners.kv.port=0",
                "--evbase.listeners.kv.bind-address=127.0.0.1", "--server.port=0", "--evbase.workers=2"));
        command.addAll(List.of(args));
        KvProcess kv = new KvProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !kv.process.isAlive()
                    || kv.port != 0 && kv.managementPort != 0);
        } catch (ConditionTimeoutException e) {
            kv.close();
            throw e;
        }
        if (!kv.process.isAlive()) {
            throw new IllegalStateException("kv-server did not start:\n" + String.join("\n", kv.output));
        }
        return kv;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.add(line);
                Matcher m = LISTENER.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
                Matcher h = HTTP.matcher(line);
                if (h.find()) {
                    managementPort = Integer.parseInt(h.group(1));
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    int port() {
        return port;
    }

    int managementPort() {
        return managementPort;
    }

    List<String> output() {
        return output;
    }

    /** SIGTERM, as Kubernetes sends it. */
    void terminate() {
        process.toHandle().destroy();
    }

    boolean waitFor(Duration timeout) throws InterruptedException {
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (exited) {
            pump.join(5000);
        }
        return exited;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
