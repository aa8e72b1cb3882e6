package io.evbase.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real TLS clients outside the JVM: OpenSSL's {@code s_client} and Python's {@code ssl} module (the script
 * {@code tls/client.py}). A missing binary skips the calling test, except under CI (the {@code CI} environment
 * variable), where {@code .ci/run} installs both and a missing one is a failure.
 *
 * <p>Threading: each call starts and waits for its own process; thread-safe.
 */
public final class TlsClients {

    private TlsClients() {
    }

    /** What a client process printed, and how it ended. */
    public record Outcome(int exitCode, String stdout, String stderr) {
    }

    /** The path of {@code name} on this machine, or skips (fails under CI). */
    public static String require(String name) {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin:/usr/local/bin")
                .split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (!dir.isEmpty() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        if (System.getenv("CI") != null) {
            fail(name + " is not installed; CI must run the TLS client tests (.ci/run installs it)");
        }
        Assumptions.abort(name + " is not installed: TLS client test skipped");
        return null;
    }

    /**
     * Runs {@code openssl s_client} against 127.0.0.1:{@code port}: sends {@code send}, waits until
     * {@code expect} appeared on its standard output (the plaintext it received), then ends its input, which
     * makes it send close_notify and exit. {@code expect} null: just waits for it to exit (a refused handshake).
     */
    public static Outcome openssl(int port, Path caFile, List<String> extra, String send, String expect,
            Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of(require("openssl"), "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", caFile.toString(), "-verify_return_error", "-quiet",
                "-no_ign_eof"));
        cmd.addAll(extra);
        return run(cmd, send, expect, timeout);
    }

    /**
     * Runs {@code tls/client.py}: connects with Python's {@code ssl} (server certificate and host name checked
     * against {@code caFile}), sends, reads {@code expect} bytes per send, closes with close_notify. Its standard
     * output is one line of JSON ({@code protocol}, {@code cipher}, {@code received}, {@code closeNotify}).
     */
    public static Outcome python(int port, Path caFile, List<String> extra, Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of(require("python3"), script().toString(), "127.0.0.1",
                String.valueOf(port), caFile.toString()));
        cmd.addAll(extra);
        return run(cmd, null, null, timeout);
    }

    private static Path script;

    private static synchronized Path script() {
        if (script == null) {
            try (InputStream in = TlsClients.class.getResourceAsStream("/tls/client.py")) {
                Path p = Files.createTempFile("evbase-tls-client", ".py");
                p.toFile().deleteOnExit();
                Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                script = p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return script;
    }

    private static Outcome run(List<String> cmd, String send, String expect, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread o = pump(p.getInputStream(), out);
            Thread e = pump(p.getErrorStream(), err);
            OutputStream stdin = p.getOutputStream();
            if (send != null) {
                stdin.write(send.getBytes(StandardCharsets.ISO_8859_1));
                stdin.flush();
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            if (expect != null) {
                synchronized (out) {
                    while (!out.toString(StandardCharsets.ISO_8859_1).contains(expect) && p.isAlive()
                            && System.nanoTime() < deadline) {
                        out.wait(50);
                    }
                }
            }
            stdin.close();
            if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                o.join(2000);
                e.join(2000);
                return new Outcome(-1, text(out), text(err) + "\n<killed after " + timeout + ">");
            }
            o.join(5000);
            e.join(5000);
            return new Outcome(p.exitValue(), text(out), text(err));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (to) {
                        to.write(buf, 0, n);
                        to.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "tls-client-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
