package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.protocol.ProtocolHandler;
import io.evbase.server.EvbaseApplication;
import io.evbase.support.ChildServer;
import java.io.File;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;

/**
 * A listener that cannot work stops the application at start-up with Spring Boot's failure report: one
 * description naming what is wrong, one action, and no stack trace. Each case runs the server in a child JVM, as
 * an operator would, and reads its output.
 */
class StartupFailureTest {

    @Test
    void aListenerWithoutAPortFailsInsteadOfBindingARandomOne() throws Exception {
        String report = failToStart(List.of("--evbase.listeners.kv.protocol=echo"));
        assertThat(report).contains("evbase.listeners.kv.port is not set")
                .contains("Set evbase.listeners.kv.port to the port to listen on (0 picks a free one).");
    }

    @Test
    void anUnknownProtocolNamesTheKnownOnes() throws Exception {
        String report = failToStart(List.of("--evbase.listeners.kv.port=0", "--evbase.listeners.kv.protocol=kvv"));
        assertThat(report).contains("evbase.listeners.kv.protocol=kvv names no protocol handler; known protocols: "
                + "echo, memcache")
                .contains("or define a ProtocolHandler bean named 'kvv'");
    }

    @Test
    void aListenerWithoutAProtocolNamesTheKnownOnes() throws Exception {
        String report = failToStart(List.of("--evbase.listeners.kv.port=0"));
        assertThat(report).contains("evbase.listeners.kv.protocol is not set")
                .contains("one of the known protocols (echo, memcache)");
    }

    @Test
    void aPortInUseIsOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            String report = failToStart(List.of("--evbase.listeners.memcache.port=" + port,
                    "--evbase.listeners.memcache.protocol=memcache",
                    "--evbase.listeners.memcache.bind-address=127.0.0.1"));
            assertThat(report).contains("listener memcache cannot bind 127.0.0.1:" + port + ": address already in use")
                    .contains("--evbase.listeners.memcache.port=<port>");
        }
    }

    @Test
    void aHandlerThatThrowsAtStartIsNamedWithItsCause() throws Exception {
        String report = failToStart(List.of("--spring.main.sources=" + FailingHandlerConfiguration.class.getName(),
                "--evbase.listeners.kv.port=0", "--evbase.listeners.kv.protocol=kv"));
        assertThat(report).contains("protocol handler 'kv' failed to start: IllegalStateException: cannot open "
                + "/nonexistent/kv.db (at " + FailingHandlerConfiguration.class.getName() + ".kv(");
    }

    /** A protocol whose bean method throws, as one that cannot open its data file would. */
    static class FailingHandlerConfiguration {

        @Bean(name = "kv")
        ProtocolHandler<?> kv() {
            if (Boolean.parseBoolean("true")) {
                throw new IllegalStateException("cannot open /nonexistent/kv.db");
            }
            return connection -> () -> connection.input().clear();
        }
    }

    private static String failToStart(List<String> args) throws Exception {
        return failToStart(args, entry -> true);
    }

    /**
     * Runs the server with {@code args} on the test class path (the entries {@code classPath} keeps), which must
     * exit with a failure; returns the failure report after checking that the output holds no stack trace.
     */
    private static String failToStart(List<String> args, Predicate<String> classPath) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", Arrays.stream(System.getProperty("java.class.path")
                        .split(File.pathSeparator)).filter(classPath).collect(Collectors.joining(File.pathSeparator)),
                EvbaseApplication.class.getName(), "--spring.config.location=" + ChildServer.TEST_CONFIG,
                "--spring.main.web-application-type=none", "--spring.main.banner-mode=off", "--evbase.workers=1"));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log;
        try (InputStream out = p.getInputStream()) {
            log = new String(out.readAllBytes(), StandardCharsets.UTF_8); // until the process exits
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertThat(p.exitValue()).as("exit status; output:%n%s", log).isNotZero();
        assertThat(log).contains("APPLICATION FAILED TO START").contains("Description:").contains("Action:");
        assertThat(log.lines().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by:")).toList())
                .as("stack trace lines in:%n%s", log).isEmpty();
        return log.substring(log.indexOf("APPLICATION FAILED TO START"));
    }
}
