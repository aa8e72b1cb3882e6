package io.evbase.protocol.memcache;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real memcached binary on a free 127.0.0.1 port, for differential tests and hit-ratio comparisons. Closing
 * it destroys the process (and waits for it), so a test that opens it in try-with-resources or stops it in
 * {@code @AfterAll} leaves nothing behind.
 */
final class RealMemcached implements AutoCloseable {

    private final Process process;
    final int port;

    private RealMemcached(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts {@code memcached -p PORT -U 0 -l 127.0.0.1 -m MB -t 2}. Skips the calling test when the binary is
     * missing, unless the CI environment variable is set, in which case a missing binary is a failure.
     */
    static RealMemcached start(int memoryMb, String... extraArgs) throws Exception {
        String binary = find("memcached");
        if (binary == null) {
            if (System.getenv("CI") != null) {
                fail("memcached is not installed (apt-get install memcached); CI must run the differential tests");
            }
            Assumptions.abort("memcached is not installed (apt-get install memcached): differential test skipped");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(binary, "-p", String.valueOf(port), "-U", "0", "-l", "127.0.0.1",
                "-m", String.valueOf(memoryMb), "-t", "2"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("-u");
            cmd.add("root"); // memcached refuses to run as root otherwise
        }
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        RealMemcached m = new RealMemcached(p, port);
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly)); // even if the test JVM is stopped
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return m;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    m.close();
                    throw new IllegalStateException("memcached did not start on port " + port, e);
                }
                Thread.sleep(20);
            }
        }
    }

    static String find(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        for (String dir : new String[] {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
