package io.evbase.helm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code helm/evbase/README.md} documents every value of values.yaml, from the values' own {@code # --} comments
 * (helm-docs style, see {@link ChartValuesDoc}): the table between the README's markers must be what values.yaml
 * generates. After changing values.yaml, regenerate it with
 * {@code ./mvnw test -Dtest=ChartReadmeTest -Devbase.chart-readme.write=true}.
 */
class ChartReadmeTest {

    static final String BEGIN = "<!-- values:begin (generated from values.yaml: ./mvnw test -Dtest=ChartReadmeTest "
            + "-Devbase.chart-readme.write=true) -->\n";
    static final String END = "<!-- values:end -->";

    private final Path chart = HelmChart.evbase().dir();

    @Test
    void everyValueIsDocumentedInValuesYaml() throws IOException {
        assertThat(ChartValuesDoc.undocumented(Files.readString(chart.resolve("values.yaml"))))
                .as("values without a # -- comment").isEmpty();
    }

    @Test
    void theReadmeTableIsTheOneValuesYamlGenerates() throws IOException {
        Path readme = chart.resolve("README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertThat(begin).as("the values markers in " + readme).isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String generated = ChartValuesDoc.table(ChartValuesDoc.rows(Files.readString(chart.resolve("values.yaml"))));
        String current = text.substring(begin + BEGIN.length(), end);

        if (Boolean.getBoolean("evbase.chart-readme.write") && !current.equals(generated)) {
            Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + generated + text.substring(end));
            current = generated;
        }
        assertThat(current).as("the values table of helm/evbase/README.md; regenerate it with "
                + "./mvnw test -Dtest=ChartReadmeTest -Devbase.chart-readme.write=true").isEqualTo(generated);
    }

    @Test
    void aValueWithoutDocumentationIsFound() {
        String values = """
                # -- Documented.
                replicaCount: 2
                image:
                  # -- Documented.
                  repository: evbase
                  pullPolicy: IfNotPresent
                # -- A map shown whole: its keys need no comment of their own.
                podSecurityContext:
                  runAsUser: 65532
                # -- Documented, but the blank line detaches it.

                nodeSelector: {}
                """;

        assertThat(ChartValuesDoc.undocumented(values)).containsExactly("image.pullPolicy", "nodeSelector");
        assertThat(ChartValuesDoc.rows(values)).extracting(ChartValuesDoc.Row::key)
                .containsExactly("replicaCount", "image.repository", "podSecurityContext");
    }

    @Test
    void rowsCarryTypeDefaultAndTheWholeComment() {
        String values = """
                shutdown:
                  # -- (int) Grace period; empty computes it
                  # from the others.
                  terminationGracePeriodSeconds: ""
                # -- Spread | pods.
                topologySpreadConstraints:
                  - maxSkew: 1
                """;

        assertThat(ChartValuesDoc.table(ChartValuesDoc.rows(values))).isEqualTo("""
                | Key | Type | Default | Description |
                |-----|------|---------|-------------|
                | shutdown.terminationGracePeriodSeconds | int | `""` | Grace period; empty computes it from the others. |
                | topologySpreadConstraints | list | `[{"maxSkew":1}]` | Spread \\| pods. |
                """);
    }
}
