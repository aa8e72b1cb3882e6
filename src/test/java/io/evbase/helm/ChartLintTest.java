package io.evbase.helm;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code helm lint --strict}: in strict mode warnings fail too, and the default values are
 * checked against values.schema.json.
 */
class ChartLintTest {

    @Test
    void chartLintsCleanInStrictMode() {
        LintResult result = HelmChart.evbase().lintStrict();

        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
        // Only the icon suggestion (INFO) is acceptable; a chart without a home has no icon URL.
        assertThat(result.getMessages())
                .allSatisfy(message -> assertThat(message).startsWith("[INFO]"));
    }

    @Test
    void everyManifestParsesIntoKnownFieldsWithDefaultsAndWithEveryFeatureOn() {
        HelmChart chart = HelmChart.evbase();

        assertThat(chart.render(Map.of()).unknownFields()).isEmpty();
        assertThat(chart.render(HelmChart.ALL_FEATURES, Map.of()).unknownFields()).isEmpty();
    }
}
