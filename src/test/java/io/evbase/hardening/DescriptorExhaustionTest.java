package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.ProcStat;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Descriptor exhaustion (EMFILE on accept), in a child JVM under {@code prlimit --nofile}. The
 * acceptor pauses and retries after {@code evbase.accept-pause} instead of spinning on a listening socket that stays
 * readable; readiness is OUT_OF_SERVICE and the listener shows {@code acceptPaused} while it lasts; the clients that
 * wait in the listen backlog are served once descriptors free up.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class DescriptorExhaustionTest {

    private static final int NOFILE = 256;
    // max-connections above the limit: the default, derived from the limit, would refuse connections before it bites.
    private static final List<String> ARGS = List.of("--evbase.listeners.echo.port=0",
            "--evbase.listeners.echo.protocol=echo", "--evbase.listeners.echo.bind-address=127.0.0.1",
            "--evbase.listeners.echo.max-connections=10000",
            "--evbase.workers=2", "--evbase.accept-pause=100ms", "--evbase.shutdown.drain-timeout=2s");

    @Test
    void theAcceptorPausesInsteadOfSpinningAndResumesWhenDescriptorsFreeUp() throws Exception {
        List<Socket> served = new ArrayList<>();
        List<Socket> waiting = new ArrayList<>();
        try (ChildServer child = ChildServer.start(List.of("prlimit", "--nofile=" + NOFILE + ":" + NOFILE),
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), ARGS, 1, Duration.ofSeconds(60));
                KeepAliveHttp http = KeepAliveHttp.onceOk(child.managementPort(), "/actuator/health/readiness",
                        Duration.ofSeconds(30))) {
            int port = child.port("echo");
            long pid = child.pid();
            boolean introspection = exists("io.evbase.boot.EvbaseReadinessStateHealthIndicator");
            // Warm up what is asked later, so that nothing needs a new descriptor (a jar, a class) while none is left.
            assertThat(http.get("/actuator/health/readiness").status()).isEqualTo(200);
            if (introspection) {
                http.get("/actuator/reactor");
            }
            try (Socket warm = Clients.connect(port)) {
                assertThat(roundTrip(warm, "warm", 5000)).isTrue();
            }
            int atStart = ProcStat.openDescriptors(pid);

            // Take every descriptor: clients until one is no longer accepted (the acceptor logs the episode as it
            // hits EMFILE), then a few more into the backlog.
            while (true) {
                Socket s = Clients.connect(port);
                s.getOutputStream().write(("c" + served.size() + "\n").getBytes(StandardCharsets.US_ASCII));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> s.getInputStream().available() > 0 || countLines(child, "out of file descriptors") > 0);
                if (s.getInputStream().available() > 0) {
                    assertThat(drainLine(s)).isTrue();
                    served.add(s);
                } else {
                    waiting.add(s);
                    break;
                }
                assertThat(served.size()).as("the descriptor limit must bite").isLessThan(NOFILE);
            }
            for (int i = 0; i < 4; i++) {
                Socket s = Clients.connect(port);
                s.getOutputStream().write(("w" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                waiting.add(s);
            }
            int exhaustedAt = ProcStat.openDescriptors(pid);

            // While exhausted: the CPU the process and its acceptor thread use, over 3 s.
            ProcStat.Cpu cpu0 = ProcStat.cpu(pid, "evbase-acceptor");
            assertThat(cpu0.known() && cpu0.named() >= 0).as("CPU times of the process and its acceptor").isTrue();
            long pausesLogged0 = countLines(child, "out of file descriptors");
            long t0 = System.nanoTime();
            Thread.sleep(3000); // not a wait for a state: the window the CPU figures below are measured over
            double seconds = (System.nanoTime() - t0) / 1e9;
            ProcStat.Cpu cpu1 = ProcStat.cpu(pid, "evbase-acceptor");
            double processCpu = (cpu1.total() - cpu0.total()) / 1e9 / seconds;
            double acceptorCpu = (cpu1.named() - cpu0.named()) / 1e9 / seconds;
            long pausesLogged = countLines(child, "out of file descriptors") - pausesLogged0;
            for (Socket s : waiting) {
                assertThat(roundTrip(s, null, 10)).as("nobody in the backlog is served while exhausted").isFalse();
            }

            String readinessWhilePaused = "not checked (introspection not merged)";
            String reactorWhilePaused = "not checked";
            if (introspection) {
                // The endpoint first: Tomcat closes a connection after a 503, and there is no descriptor for another.
                KeepAliveHttp.Response reactor = http.get("/actuator/reactor");
                assertThat(reactor.body()).contains("\"acceptPaused\":true");
                reactorWhilePaused = reactor.body().replaceAll(".*(\"listeners\":\\[\\{[^]]*?\"acceptPaused\":true[^}]*}).*", "$1");
                KeepAliveHttp.Response ready = http.get("/actuator/health/readiness");
                assertThat(ready.status()).isEqualTo(503);
                assertThat(ready.body()).contains("OUT_OF_SERVICE");
                readinessWhilePaused = ready.status() + " " + ready.body();
            }

            // Free ten descriptors: the clients waiting in the backlog are accepted and answered.
            long freed = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                served.remove(served.size() - 1).close();
            }
            for (Socket s : waiting) {
                assertThat(drainLine(s)).as("a client from the backlog is answered").isTrue();
            }
            long resumedMillis = (System.nanoTime() - freed) / 1_000_000;
            for (int i = 0; i < served.size(); i += 7) {
                assertThat(roundTrip(served.get(i), "still" + i, 5000)).isTrue();
            }
            String readinessAfter = "not checked";
            if (introspection) {
                try (KeepAliveHttp again = new KeepAliveHttp(child.managementPort())) {
                    KeepAliveHttp.Response ready = again.get("/actuator/health/readiness");
                    assertThat(ready.status()).isEqualTo(200);
                    readinessAfter = ready.status() + " " + ready.body();
                    assertThat(again.get("/actuator/reactor").body()).contains("\"acceptPaused\":false");
                }
            }
            String all = String.join("\n", child.output());
            assertThat(all).doesNotContain("acceptor died").doesNotContain("event loop");
            assertThat(countLines(child, "out of file descriptors")).as("one warning per episode").isEqualTo(1);
            assertThat(countLines(child, "accepting resumed")).isEqualTo(1);

            Figures.print("2 descriptor exhaustion",
                    "nofile %d: %d descriptors at start, %d clients served, then EMFILE with %d open; while exhausted"
                            + " for %.1f s: process CPU %.1f%% of a core, acceptor thread %.2f%%,"
                            + " %d new log lines (one warning per episode), %d clients waiting in the backlog unserved;"
                            + " readiness while paused: %s; reactor endpoint: %s; after freeing 10 descriptors all %d waiting clients were"
                            + " served within %d ms; readiness after: %s",
                    NOFILE, atStart, served.size() + 10, exhaustedAt, seconds, processCpu * 100, acceptorCpu * 100,
                    pausesLogged, waiting.size(), readinessWhilePaused, reactorWhilePaused, waiting.size(), resumedMillis,
                    readinessAfter);
            assertThat(acceptorCpu).as("acceptor CPU share while exhausted").isLessThan(0.05);
            child.terminate();
            child.waitFor(Duration.ofSeconds(30));
        } finally {
            for (Socket s : served) {
                s.close();
            }
            for (Socket s : waiting) {
                s.close();
            }
        }
    }

    /** Reads the echo of whatever line this waiting client sent (its first line), waiting up to 10 s. */
    private static boolean drainLine(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        int c;
        while ((c = s.getInputStream().read()) >= 0) {
            if (c == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Sends a line (unless null) and expects its echo within {@code millis}. */
    private static boolean roundTrip(Socket s, String text, int millis) throws IOException {
        s.setSoTimeout(millis);
        byte[] line = ((text == null ? "" : text) + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            if (text != null) {
                s.getOutputStream().write(line);
                return Arrays.equals(Clients.readN(s.getInputStream(), line.length), line);
            }
            return s.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return false;
        }
    }

    private static long countLines(ChildServer child, String text) {
        return child.output().stream().filter(l -> l.contains(text)).count();
    }

    private static boolean exists(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
