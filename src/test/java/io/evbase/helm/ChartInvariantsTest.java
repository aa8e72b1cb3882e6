package io.evbase.helm;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.convert.DurationStyle;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.evbase.helm.RenderedManifests.at;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What must hold however the chart is configured, checked on the default rendering and on the
 * one with every optional feature on: probes hit the management port, ports agree with the
 * rendered application.yml, shutdown fits in the grace period, the pod is locked down, and
 * selectors select the server pods.
 */
class ChartInvariantsTest {

    // Rendered once for all tests of the class: the values do not change between them.
    private static final List<Named<RenderedManifests>> RENDERINGS = List.of(
            Named.of("defaults", HelmChart.evbase().render(Map.of())),
            Named.of("every feature on", HelmChart.evbase().render(HelmChart.ALL_FEATURES, Map.of())));

    static Stream<Named<RenderedManifests>> renderings() {
        return RENDERINGS.stream();
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void probesUseTheActuatorHealthGroupsOnTheManagementPort(RenderedManifests manifests) {
        Container server = server(manifests.deployment());
        int managementPort = at(manifests.applicationYaml(), "management.server.port");

        assertThat(containerPort(server, "management")).isEqualTo(managementPort);
        assertProbe(server.getStartupProbe(), "/actuator/health/liveness");
        assertProbe(server.getLivenessProbe(), "/actuator/health/liveness");
        assertProbe(server.getReadinessProbe(), "/actuator/health/readiness");
        assertThat((Boolean) at(manifests.applicationYaml(), "management.endpoint.health.probes.enabled")).isTrue();
        assertThat((String) at(manifests.applicationYaml(), "management.endpoints.web.exposure.include"))
                .contains("health", "prometheus", "reactor");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void containerAndServicePortsAreTheListenerPortsOfTheRenderedApplicationYaml(RenderedManifests manifests) {
        Map<String, Integer> listenerPorts = listenerPorts(manifests.applicationYaml());
        Container server = server(manifests.deployment());

        assertThat(listenerPorts).isNotEmpty();
        Map<String, Integer> containerPorts = server.getPorts().stream()
                .filter(p -> !p.getName().equals("management"))
                .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
        assertThat(containerPorts).isEqualTo(listenerPorts);

        for (String name : List.of(HelmChart.FULLNAME, HelmChart.FULLNAME + "-headless")) {
            Service service = manifests.named(Service.class, name);
            Map<String, Integer> servicePorts = service.getSpec().getPorts().stream()
                    .collect(Collectors.toMap(ServicePort::getName, ServicePort::getPort));
            assertThat(servicePorts).as(name).isEqualTo(listenerPorts);
            // Target the container port by name, so Service and pod cannot drift apart.
            assertThat(service.getSpec().getPorts())
                    .allSatisfy(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo(p.getName()));
        }

        Service management = manifests.named(Service.class, HelmChart.FULLNAME + "-management");
        assertThat(management.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("management");
            assertThat(p.getPort()).isEqualTo(at(manifests.applicationYaml(), "management.server.port"));
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("management");
        });
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void headlessServiceListsEveryReadyPod(RenderedManifests manifests) {
        Service headless = manifests.named(Service.class, HelmChart.FULLNAME + "-headless");

        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void gracePeriodCoversPreStopSleepPlusDrainAndSpringAllowsTheWholeDrain(RenderedManifests manifests) {
        Map<String, Object> app = manifests.applicationYaml();
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        Duration drain = DurationStyle.detectAndParse(at(app, "evbase.shutdown.drain-timeout"));
        Duration phase = DurationStyle.detectAndParse(at(app, "spring.lifecycle.timeout-per-shutdown-phase"));
        Duration preStop = preStopSleep(server(manifests.deployment()).getLifecycle());

        assertThat(preStop).isPositive();
        assertThat(phase).isGreaterThan(drain);
        assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()))
                .isGreaterThan(preStop.plus(drain))
                .isGreaterThan(preStop.plus(phase));
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void podAndContainerAreHardened(RenderedManifests manifests) {
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        SecurityContext security = server(manifests.deployment()).getSecurityContext();

        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getRunAsUser()).isPositive();
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getRunAsUser()).isPositive();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getPrivileged()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Capabilities capabilities = security.getCapabilities();
        assertThat(capabilities.getDrop()).containsExactly("ALL");
        assertThat(capabilities.getAdd()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void onlyTmpIsWritableAndTheConfigMapIsMountedWhereSpringBootLooks(RenderedManifests manifests) {
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        Map<String, VolumeMount> mounts = server(manifests.deployment()).getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));

        VolumeMount tmp = mounts.get("/tmp");
        assertThat(tmp).isNotNull();
        assertThat(volumes.get(tmp.getName()).getEmptyDir()).isNotNull();

        // The image's working directory is /app (pom.xml, jib): ./config/application.yml.
        VolumeMount config = mounts.get("/app/config");
        assertThat(config).isNotNull();
        assertThat(config.getReadOnly()).isTrue();
        assertThat(config.getSubPath()).isNull();
        String configMapName = volumes.get(config.getName()).getConfigMap().getName();
        assertThat(manifests.named(ConfigMap.class, configMapName).getData()).containsKey("application.yml");

        assertThat(mounts.keySet()).containsExactlyInAnyOrder("/tmp", "/app/config");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void jvmMemoryIsAShareOfTheContainerLimit(RenderedManifests manifests) {
        Container server = server(manifests.deployment());
        String options = javaToolOptions(manifests);

        assertThat(options).containsPattern("-XX:MaxRAMPercentage=\\d+").doesNotContain("-Xmx");
        assertThat(server.getResources().getLimits()).containsKey("memory");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void theJvmNamesItsCollectorAndExitsOnOutOfMemoryWhateverTheExtraOptions(RenderedManifests manifests) {
        String options = javaToolOptions(manifests);

        // Left to itself, the JVM picks the Serial collector under a limit below ~1.8 GiB (the default is 1 GiB).
        assertThat(options).containsPattern("-XX:\\+Use(G1|Z)GC");
        assertThat(options).contains("-XX:+ExitOnOutOfMemoryError", "-XX:AutoBoxCacheMax=65536");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void everySelectorSelectsTheServerPodsAndNothingElse(RenderedManifests manifests) {
        Deployment deployment = manifests.deployment();
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();

        assertThat(podLabels).containsAllEntriesOf(selector);
        for (Service service : manifests.all(Service.class)) {
            assertThat(podLabels).as(service.getMetadata().getName())
                    .containsAllEntriesOf(service.getSpec().getSelector());
            // Equal to the Deployment's, so a Service never picks up pods of another workload.
            assertThat(service.getSpec().getSelector()).isEqualTo(selector);
        }
        for (PodDisruptionBudget pdb : manifests.all(PodDisruptionBudget.class)) {
            assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
        }
        assertThat(manifests.deployment().getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .allSatisfy(c -> assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(selector));
        assertThat(selector).containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE);
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void everyResourceCarriesTheStandardLabels(RenderedManifests manifests) {
        assertThat(manifests.all()).allSatisfy(resource -> assertThat(resource.getMetadata().getLabels())
                .as(resource.getKind() + "/" + resource.getMetadata().getName())
                .containsEntry("app.kubernetes.io/name", "evbase")
                .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE)
                .containsEntry("app.kubernetes.io/managed-by", "Helm")
                .containsKeys("helm.sh/chart", "app.kubernetes.io/version"));
    }

    static Container server(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("evbase"))
                .findFirst().orElseThrow();
    }

    static int containerPort(Container container, String name) {
        return container.getPorts().stream()
                .filter(p -> p.getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no container port " + name))
                .getContainerPort();
    }

    static Map<String, Integer> listenerPorts(Map<String, Object> applicationYaml) {
        Map<String, Map<String, Object>> listeners = at(applicationYaml, "evbase.listeners");
        return listeners.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> (Integer) e.getValue().get("port")));
    }

    private static void assertProbe(Probe probe, String path) {
        assertThat(probe).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get.getPath()).isEqualTo(path);
        assertThat(get.getPort().getStrVal()).isEqualTo("management");
    }

    private static Duration preStopSleep(Lifecycle lifecycle) {
        var preStop = lifecycle.getPreStop();
        if (preStop.getSleep() != null) {
            return Duration.ofSeconds(preStop.getSleep().getSeconds());
        }
        List<String> command = preStop.getExec().getCommand();
        assertThat(command).hasSize(2).first().isEqualTo("sleep");
        return Duration.ofSeconds(Long.parseLong(command.get(1)));
    }

    static String javaToolOptions(RenderedManifests manifests) {
        return server(manifests.deployment()).getEnv().stream()
                .filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
                .findFirst().orElseThrow().getValue();
    }
}
