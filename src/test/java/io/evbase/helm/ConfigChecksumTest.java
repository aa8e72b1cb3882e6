package io.evbase.helm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pods carry a hash of the rendered ConfigMap, so {@code helm upgrade} with a new
 * configuration rolls them (the server reads application.yml once, at start) while an upgrade
 * that leaves the configuration alone does not.
 */
class ConfigChecksumTest {

    private final HelmChart chart = HelmChart.evbase();

    @Test
    void changingAConfigValueChangesTheChecksum() {
        String before = checksum(Map.of());

        assertThat(checksum(Map.of("config.workers", "8"))).isNotEqualTo(before);
        assertThat(checksum(Map.of("listeners.echo.port", "7017"))).isNotEqualTo(before);
        assertThat(checksum(Map.of("shutdown.drainTimeoutSeconds", "20"))).isNotEqualTo(before);
    }

    @Test
    void aChangeOutsideTheConfigurationLeavesTheChecksumAlone() {
        assertThat(checksum(Map.of("replicaCount", "5"))).isEqualTo(checksum(Map.of()));
    }

    @Test
    void theConfigurationChangeReachesTheRenderedApplicationYaml() {
        RenderedManifests manifests = chart.render(Map.of("config.workers", "8"));

        assertThat(RenderedManifests.<Integer>at(manifests.applicationYaml(), "evbase.workers")).isEqualTo(8);
    }

    private String checksum(Map<String, ?> sets) {
        String value = chart.render(sets).deployment().getSpec().getTemplate().getMetadata()
                .getAnnotations().get("checksum/config");
        assertThat(value).matches("[0-9a-f]{64}");
        return value;
    }
}
