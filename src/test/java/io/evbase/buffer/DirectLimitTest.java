package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pool against a real JVM direct-memory limit, in child JVMs (the test JVM's own limit is 1 GiB): the
 * default budget derived from {@code -XX:MaxDirectMemorySize} or, when unset, from the maximum heap; and a budget
 * configured above the JVM's limit refused at the limit, without the collection and sleeps that
 * {@code allocateDirect} goes through there.
 */
class DirectLimitTest {

    @Test
    void theDefaultBudgetFollowsMaxDirectMemorySize() throws Exception {
        Map<String, Long> out = probe(List.of("-Xmx64m", "-XX:MaxDirectMemorySize=8m"));
        assertThat(out.get("limit")).isEqualTo(8L << 20);
        assertThat(out.get("default")).isEqualTo(6L << 20);
    }

    @Test
    void withoutMaxDirectMemorySizeTheDefaultBudgetFollowsTheHeap() throws Exception {
        Map<String, Long> out = probe(List.of("-Xmx64m"));
        assertThat(out.get("limit")).isEqualTo(out.get("maxMemory"));
        assertThat(out.get("default")).isEqualTo((long) (out.get("maxMemory") * 0.75));
    }

    @Test
    void aBudgetAboveTheJvmsLimitIsRefusedAtTheLimitWithoutForcingACollection() throws Exception {
        Map<String, Long> out = probe(List.of("-Xmx64m", "-XX:MaxDirectMemorySize=2m", "-XX:+UseSerialGC"),
                Long.toString(64L << 20));
        assertThat(out.get("outcome")).as("refused, no OutOfMemoryError").isEqualTo(1L);
        assertThat(out.get("allocated")).isLessThanOrEqualTo(2L << 20).isGreaterThan(1L << 20);
        assertThat(out.get("forcedCollections")).as("allocateDirect was never called at the limit").isZero();
    }

    /** Runs {@link DirectLimitProbe}; its {@code key=value} lines, "refused" read as 1. */
    private static Map<String, Long> probe(List<String> jvmArgs, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DirectLimitProbe.class.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            Map<String, Long> values = new HashMap<>();
            for (String line : output.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    String value = line.substring(eq + 1).trim();
                    values.put(line.substring(0, eq), value.equals("refused") ? 1L
                            : value.matches("-?\\d+") ? Long.parseLong(value) : -1L);
                }
            }
            return values;
        } finally {
            process.destroyForcibly();
        }
    }
}
