package io.evbase.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad values stop {@code helm template} (and so {@code helm install}) before anything reaches
 * the cluster: values.schema.json for types, ranges and names, template {@code fail} for what
 * a schema cannot express.
 */
class ValuesSchemaTest {

    private final HelmChart chart = HelmChart.evbase();

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            replicaCount                  | -1           | /replicaCount
            replicaCount                  | two          | /replicaCount
            config.workers                | four         | /config/workers
            config.workers                | -1           | /config/workers
            config.dispatch               | random       | /config/dispatch
            config.stallThreshold         | 2 seconds    | /config/stallThreshold
            config.buffers.chunkSize      | 16kilo       | /config/buffers/chunkSize
            listeners.echo.port           | 0            | /listeners/echo/port
            listeners.echo.port           | 65536        | /listeners/echo/port
            listeners.echo.port           | 7007x        | /listeners/echo/port
            listeners.echo.backlog        | 0            | /listeners/echo/backlog
            listeners.echo.idleTimeout    | forever      | /listeners/echo/idleTimeout
            listeners.echo.readTimout     | 1s           | additional properties 'readTimout'
            listeners.Echo2.port          | 7008         | 'Echo2'
            listeners.averyverylongname.port | 7008      | 'averyverylongname'
            management.port               | 70000        | /management/port
            shutdown.drainTimeoutSeconds  | -5           | /shutdown/drainTimeoutSeconds
            jvm.maxRAMPercentage          | 95           | /jvm/maxRAMPercentage
            jvm.gc                        | CMS          | /jvm/gc
            service.type                  | ExternalName | /service/type
            autoscaling.minReplicas       | 0            | /autoscaling/minReplicas
            image.pullPolicy              | Sometimes    | /image/pullPolicy
            replicas                      | 3            | additional properties 'replicas'
            """)
    void schemaRejects(String key, String value, String reported) {
        assertThatThrownBy(() -> chart.renderText(null, Map.of(key, value)))
                .hasMessageContaining("don't meet the specifications of the schema")
                .hasMessageContaining(reported);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            grace period too short for preStop + drain | shutdown.terminationGracePeriodSeconds=20 | must exceed
            two listeners on one port                  | listeners.memcache.port=7007              | already used by echo
            a listener on the management port          | listeners.echo.port=8081                  | already used by management
            no listener left                           | listeners.echo.enabled=false,listeners.memcache.enabled=false | at least one listener
            autoscaler without a metric                | autoscaling.enabled=true,autoscaling.targetCPUUtilizationPercentage=0 | has no metric
            a listener port set behind the chart's back | config.extra.evbase.listeners.echo.port=7008 | use listeners and management.port
            the management port set behind the chart's back | config.extra.management.server.port=9090 | use listeners and management.port
            autoscaler with min above max              | autoscaling.enabled=true,autoscaling.minReplicas=5,autoscaling.maxReplicas=3 | exceeds maxReplicas
            """)
    void templateRefuses(String why, String sets, String reported) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String set : sets.split(",")) {
            String[] kv = set.split("=", 2);
            values.put(kv[0], kv[1]);
        }

        assertThatThrownBy(() -> chart.renderText(null, values)).as(why).hasMessageContaining(reported);
    }

    @Test
    void valuesAtTheEdgesOfTheirRangesAreAccepted() {
        RenderedManifests manifests = chart.render(Map.of(
                "listeners.echo.port", "65535",
                "listeners.memcache.port", "1",
                "config.dispatch", "least-connections",
                "replicaCount", "0",
                "shutdown.terminationGracePeriodSeconds", "21"));

        assertThat(ChartInvariantsTest.listenerPorts(manifests.applicationYaml()))
                .containsEntry("echo", 65535).containsEntry("memcache", 1);
        assertThat(manifests.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .isEqualTo(21);
    }
}
