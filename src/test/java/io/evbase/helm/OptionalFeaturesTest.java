package io.evbase.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.evbase.helm.ChartInvariantsTest.listenerPorts;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The optional parts: off by default (except the PodDisruptionBudget), and right when
 * switched on with {@code all-features.yaml}.
 */
class OptionalFeaturesTest {

    private static final RenderedManifests DEFAULTS = HelmChart.evbase().render(Map.of());
    private static final RenderedManifests ALL = HelmChart.evbase().render(HelmChart.ALL_FEATURES, Map.of());

    @Test
    void defaultsRenderTheCoreAndAPodDisruptionBudgetOnly() {
        assertThat(DEFAULTS.all()).extracting(r -> r.getKind() + "/" + r.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "Deployment/shop-evbase",
                        "ConfigMap/shop-evbase",
                        "Service/shop-evbase",
                        "Service/shop-evbase-headless",
                        "Service/shop-evbase-management",
                        "ServiceAccount/shop-evbase",
                        "PodDisruptionBudget/shop-evbase");
        assertThat(DEFAULTS.named(PodDisruptionBudget.class, HelmChart.FULLNAME).getSpec().getMaxUnavailable().getIntVal())
                .isEqualTo(1);
        assertThat(DEFAULTS.deployment().getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void autoscalerScalesTheDeploymentOnCpuAndLoopLoadAndOwnsTheReplicaCount() {
        HorizontalPodAutoscaler hpa = ALL.named(HorizontalPodAutoscaler.class, HelmChart.FULLNAME);

        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(ALL.deployment().getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(12);
        List<MetricSpec> metrics = hpa.getSpec().getMetrics();
        assertThat(metrics).extracting(MetricSpec::getType).containsExactly("Resource", "Pods");
        assertThat(metrics.get(0).getResource().getName()).isEqualTo("cpu");
        assertThat(metrics.get(1).getPods().getMetric().getName()).isEqualTo("evbase_loop_load");
        assertThat(metrics.get(1).getPods().getTarget().getAverageValue().toString()).isEqualTo("700m");
        // A fixed replica count would fight the autoscaler on every upgrade.
        assertThat(ALL.deployment().getSpec().getReplicas()).isNull();
    }

    @Test
    void serviceMonitorScrapesPrometheusEndpointThroughTheManagementService() {
        GenericKubernetesResource monitor = ALL.custom("ServiceMonitor");
        Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
        List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");

        assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        assertThat(endpoints).singleElement().satisfies(endpoint -> {
            assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/actuator/prometheus");
        });
        List<Service> selected = ALL.all(Service.class).stream()
                .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .toList();
        // Exactly one Service, or every pod would be scraped once per matching Service.
        assertThat(selected).singleElement().satisfies(service -> assertThat(service.getSpec().getPorts())
                .anySatisfy(port -> assertThat(port.getName()).isEqualTo("management")));
    }

    @Test
    void networkPolicyAdmitsTheListenerPortsAndTheManagementPortOnly() {
        NetworkPolicy policy = ALL.named(NetworkPolicy.class, HelmChart.FULLNAME);
        Set<Integer> listenerPorts = Set.copyOf(listenerPorts(ALL.applicationYaml()).values());
        List<Integer> admitted = new ArrayList<>();
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            for (NetworkPolicyPort port : rule.getPorts()) {
                admitted.add(port.getPort().getIntVal());
            }
        }

        assertThat(policy.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(ALL.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(admitted).containsExactlyInAnyOrderElementsOf(
                concat(listenerPorts, RenderedManifests.<Integer>at(ALL.applicationYaml(), "management.server.port")));
        // With clients restricted, the helm test pod must still get through.
        assertThat(policy.getSpec().getIngress().get(0).getFrom())
                .filteredOn(peer -> peer.getPodSelector() != null)
                .anySatisfy(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                        .containsEntry("app.kubernetes.io/component", "test"));
    }

    @Test
    void grafanaDashboardIsPickedUpBySidecarAndPlotsTheReactorMeters() throws Exception {
        ConfigMap dashboard = ALL.named(ConfigMap.class, HelmChart.FULLNAME + "-dashboard");
        JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("evbase.json"));
        List<String> expressions = new ArrayList<>();
        json.get("panels").forEach(panel -> panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));
        String all = String.join("\n", expressions);

        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(json.get("uid").asText()).isNotBlank();
        assertThat(all).contains(
                "evbase_loop_load", "evbase_loop_tasks_pending", "evbase_connections_active",
                "evbase_buffer_pool_used_bytes", "evbase_buffer_connections_input_bytes",
                "evbase_buffer_connections_output_bytes", "evbase_data_read_bytes_total");
        // Read with .Files.Get, not as a template: Grafana's own {{...}} legends survive.
        assertThat(json.findValuesAsText("legendFormat")).anySatisfy(legend -> assertThat(legend).contains("{{loop}}"));
    }

    @Test
    void podDisruptionBudgetTakesMinAvailableWhenGiven() {
        PodDisruptionBudget pdb = ALL.named(PodDisruptionBudget.class, HelmChart.FULLNAME);

        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
        assertThat(pdb.getSpec().getMaxUnavailable()).isNull();
    }

    @Test
    void optionalPartsCanBeSwitchedOff() {
        RenderedManifests bare = HelmChart.evbase().render(Map.of(
                "podDisruptionBudget.enabled", "false",
                "headless.enabled", "false",
                "listeners.echo.enabled", "false"));

        assertThat(bare.has("PodDisruptionBudget")).isFalse();
        assertThat(bare.all(Service.class)).extracting(s -> s.getMetadata().getName())
                .doesNotContain(HelmChart.FULLNAME + "-headless");
        assertThat(listenerPorts(bare.applicationYaml())).containsOnlyKeys("memcache");
        assertThat(bare.named(Service.class, HelmChart.FULLNAME).getSpec().getPorts())
                .extracting(p -> p.getName()).containsExactly("memcache");
    }

    private static List<Integer> concat(Set<Integer> ports, int another) {
        List<Integer> all = new ArrayList<>(ports);
        all.add(another);
        return all;
    }
}
