package io.evbase.hostile;

import io.evbase.support.ChildServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deployable server in a child JVM as the issue measures it: {@code -Xmx512m}, two loops, the default store
 * (64 MB) and listener limits, a memcache listener on an ephemeral port; read through its actuator, its
 * {@code stats} and {@code jcmd}. Closing it kills the child.
 */
final class HostileServer implements AutoCloseable {

    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*([-0-9.E+]+)");

    private final ChildServer child;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final int port;

    private HostileServer(ChildServer child) {
        this.child = child;
        this.port = child.port("memcache");
    }

    static HostileServer start(String... extraArgs) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--evbase.workers=2", "--evbase.listeners.memcache.port=0",
                "--evbase.listeners.memcache.protocol=memcache", "--evbase.listeners.memcache.bind-address=127.0.0.1"));
        args.addAll(List.of(extraArgs));
        return new HostileServer(ChildServer.start(List.of("-Xmx512m"), args, 1, Duration.ofSeconds(120)));
    }

    long pid() {
        return child.pid();
    }

    boolean alive() {
        return child.process().isAlive();
    }

    /** Whether the child printed an OutOfMemoryError of any kind. */
    boolean sawOutOfMemory() {
        return child.output().stream().anyMatch(l -> l.contains("OutOfMemoryError"));
    }

    int healthStatus() {
        try {
            return get("/actuator/health").statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The value of an actuator meter (summed over its measurements of statistic VALUE or COUNT), or -1 if absent. */
    double metric(String name, String... tags) throws IOException {
        StringBuilder path = new StringBuilder("/actuator/metrics/").append(name);
        for (int i = 0; i < tags.length; i++) {
            path.append(i == 0 ? '?' : '&').append("tag=").append(tags[i]);
        }
        HttpResponse<String> r = get(path.toString());
        if (r.statusCode() == 404) {
            return -1;
        }
        Matcher m = VALUE.matcher(r.body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    long heapUsed() throws IOException {
        return (long) metric("jvm.memory.used", "area:heap");
    }

    long poolUsed() throws IOException {
        return (long) metric("evbase.buffer.pool.used");
    }

    long poolAllocated() throws IOException {
        return (long) metric("evbase.buffer.pool.allocated");
    }

    long stalls() throws IOException {
        return (long) metric("evbase.loop.stalls");
    }

    /** The {@code stats} figures of the memcache listener, asked on a connection of their own. */
    Map<String, String> stats() throws IOException {
        Map<String, String> stats = new HashMap<>();
        try (Socket s = MemcacheLine.connect(port)) {
            MemcacheLine.send(s, "stats\r\n");
            String line;
            while (!(line = MemcacheLine.line(s.getInputStream())).equals("END")) {
                String[] p = line.split(" ", 3);
                stats.put(p[1], p[2]);
            }
        }
        return stats;
    }

    long stat(String name) throws IOException {
        return Long.parseLong(stats().get(name));
    }

    /** Live heap bytes: jcmd's class histogram, which runs a full collection first. */
    long liveHeap() throws IOException, InterruptedException {
        return liveHeapExcept();
    }

    /** Live heap bytes less the instances of {@code classes} (JVM names: {@code [J} for long[]). */
    long liveHeapExcept(String... classes) throws IOException, InterruptedException {
        String[] lines = jcmd("GC.class_histogram").strip().split("\n");
        String[] total = lines[lines.length - 1].trim().split("\\s+"); // "Total <instances> <bytes>"
        long bytes = Long.parseLong(total[total.length - 1]);
        java.util.Set<String> excluded = java.util.Set.of(classes);
        for (String line : lines) {
            String[] p = line.trim().split("\\s+"); // "<rank>: <instances> <bytes> <class> [(module)]"
            if (p.length >= 4 && p[0].endsWith(":") && excluded.contains(p[3])) {
                bytes -= Long.parseLong(p[2]);
            }
        }
        return bytes;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(child.pid()), command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + child.managementPort() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The child's output, for failure messages. */
    String tail(int lines) {
        List<String> out = child.output();
        return String.join("\n", out.subList(Math.max(0, out.size() - lines), out.size()));
    }

    @Override
    public void close() throws InterruptedException {
        child.close();
        try { // the server's log, for reading after a run: target/hostile-server.log (the last server's)
            java.nio.file.Files.write(java.nio.file.Path.of("target", "hostile-server.log"), child.output());
        } catch (IOException | RuntimeException e) {
            // only a convenience
        }
    }
}
