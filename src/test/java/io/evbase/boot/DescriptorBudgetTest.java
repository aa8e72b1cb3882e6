package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Default max-connections from the descriptor limit: a reserve for the management port and files, the rest split
 * across the listeners that set no limit of their own.
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class DescriptorBudgetTest {

    @Test
    void keepsAReserveAndSplitsTheRest() {
        assertThat(DescriptorBudget.reserve(20_000)).isEqualTo(2_000);
        assertThat(DescriptorBudget.reserve(1_000)).isEqualTo(256);
        assertThat(DescriptorBudget.reserve(100)).isEqualTo(100);
        // Two listeners at the 20,000 limit: each 9,000, not 10,000 (which left nothing for anything else).
        assertThat(DescriptorBudget.maxConnections(listeners(null, null), OptionalLong.of(20_000)))
                .containsExactly(Map.entry("echo", 9_000), Map.entry("memcache", 9_000));
        // A listener's own limit is kept and counted first.
        assertThat(DescriptorBudget.maxConnections(listeners(500, null), OptionalLong.of(2_000)))
                .containsExactly(Map.entry("echo", 500), Map.entry("memcache", 1_244));
        // A container's usual 1,048,576.
        assertThat(DescriptorBudget.maxConnections(listeners(null, null), OptionalLong.of(1 << 20)))
                .containsEntry("echo", 471_859);
        // A limit too small to share still lets each listener accept.
        assertThat(DescriptorBudget.maxConnections(listeners(null, null), OptionalLong.of(200)))
                .containsExactly(Map.entry("echo", 1), Map.entry("memcache", 1));
        assertThat(DescriptorBudget.maxConnections(listeners(null, null), OptionalLong.empty()))
                .containsExactly(Map.entry("echo", DescriptorBudget.FALLBACK), Map.entry("memcache", DescriptorBudget.FALLBACK));
    }

    @Test
    void warnsWhenTheConfiguredLimitsLeaveNoReserve() {
        Map<String, Integer> limits = DescriptorBudget.maxConnections(listeners(10_000, 10_000), OptionalLong.of(20_000));
        assertThat(DescriptorBudget.overcommitWarning(limits, OptionalLong.of(20_000))).get().asString()
                .contains("may hold 20,000 connections").contains("descriptor limit is 20,000")
                .contains("2,000 of it is kept");
        Map<String, Integer> derived = DescriptorBudget.maxConnections(listeners(null, null), OptionalLong.of(20_000));
        assertThat(DescriptorBudget.overcommitWarning(derived, OptionalLong.of(20_000))).isEmpty();
    }

    @Test
    void readsTheProcessLimit() throws Exception {
        long soft = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).map(l -> l.trim().split("\\s{2,}")[1])
                .mapToLong(Long::parseLong).findFirst().orElseThrow();
        assertThat(DescriptorBudget.descriptorLimit()).hasValue(soft);
    }

    @Test
    void theServerDerivesItsListenersLimitsFromItsDescriptorLimit() throws Exception {
        List<String> args = List.of("--evbase.workers=1",
                "--evbase.listeners.echo.port=0", "--evbase.listeners.echo.protocol=echo",
                "--evbase.listeners.echo.bind-address=127.0.0.1",
                "--evbase.listeners.memcache.port=0", "--evbase.listeners.memcache.protocol=memcache",
                "--evbase.listeners.memcache.bind-address=127.0.0.1");
        try (ChildServer child = ChildServer.start(List.of("prlimit", "--nofile=2000:2000"),
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), args, 2, Duration.ofSeconds(60))) {
            // (2,000 - 256) / 2
            assertThat(child.output()).anyMatch(l -> l.contains("evbase listener 'echo'") && l.endsWith("max-connections 872"))
                    .anyMatch(l -> l.contains("evbase listener 'memcache'") && l.endsWith("max-connections 872"));
            child.terminate();
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
        }
    }

    private static Map<String, Integer> listeners(Integer echo, Integer memcache) {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("echo", echo);
        m.put("memcache", memcache);
        return m;
    }
}
