package io.evbase.helm;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's application.yml against the repository's: the server's whole configuration is the application.yml
 * it reads (the library carries none), and the chart's ConfigMap replaces the copy in the image rather than
 * adding to it. So every setting the shipped file makes, the default rendering makes too, with the same value,
 * except the ones the chart derives from its values on purpose. Listeners are compared by the chart tests that
 * own them (ports, names) and not here: the chart's listener values are its own.
 */
class ShippedConfigurationTest {

    /** Derived by the chart: the shutdown phase follows drainTimeoutSeconds (+5 s) instead of a fixed 30 s. */
    private static final Set<String> DERIVED = Set.of("spring.lifecycle.timeout-per-shutdown-phase");

    @Test
    void theDefaultRenderingMakesEverySettingOfTheShippedApplicationYaml() throws IOException {
        Map<String, Object> shipped = new Yaml().load(Files.readString(HelmChart.projectDir().resolve("application.yml")));
        Map<String, String> expected = leaves(shipped);
        Map<String, String> rendered = leaves(HelmChart.evbase().render(Map.of()).applicationYaml());
        expected.keySet().removeIf(key -> key.startsWith("evbase.listeners."));

        assertThat(rendered).containsKeys(expected.keySet().toArray(String[]::new));
        expected.keySet().removeAll(DERIVED);
        assertThat(rendered).containsAllEntriesOf(expected);
    }

    private static Map<String, String> leaves(Map<String, Object> yaml) {
        Map<String, String> leaves = new TreeMap<>();
        collect("", yaml, leaves);
        return leaves;
    }

    @SuppressWarnings("unchecked")
    private static void collect(String prefix, Object node, Map<String, String> leaves) {
        if (node instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).forEach((k, v) -> collect(prefix.isEmpty() ? k : prefix + "." + k, v, leaves));
        } else {
            leaves.put(prefix, String.valueOf(node));
        }
    }
}
