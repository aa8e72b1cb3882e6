package io.evbase.helm;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code helm test} pod and the release notes. helm-java's template leaves hooks out, so
 * the test pod is rendered from a copy of the chart whose hook annotation is renamed; the
 * renamed annotation showing up proves the original one sits where Helm looks for it.
 */
class HelmTestHookTest {

    private static final String HOOK = "\"helm.sh/hook\": test";
    private static final String RENAMED = "\"evbase.io/renamed-hook\": test";

    @Test
    void testPodSpeaksMemcacheAndEchoToTheClientService(@TempDir Path tmp) throws IOException {
        Pod pod = renderTestPod(tmp, Map.of());
        String script = String.join("\n", testContainer(pod).getCommand());

        assertThat(pod.getMetadata().getAnnotations()).containsEntry("evbase.io/renamed-hook", "test");
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(script)
                .contains("printf 'version\\r\\n' | nc -w 5 shop-evbase 11211")
                .contains("grep -q '^VERSION '")
                .contains("printf 'evbase-helm-test\\n' | nc -w 5 shop-evbase 7007")
                .contains("[ \"$reply\" = \"evbase-helm-test\" ]");
        // sh -e: the first listener that does not answer fails the pod, and so `helm test`.
        assertThat(testContainer(pod).getCommand()).startsWith("sh", "-ec");
    }

    @Test
    void testPodFollowsTheListenersInTheValues(@TempDir Path tmp) throws IOException {
        Pod pod = renderTestPod(tmp, Map.of("listeners.memcache.port", "11311", "listeners.echo.enabled", "false"));
        String script = String.join("\n", testContainer(pod).getCommand());

        assertThat(script).contains("nc -w 5 shop-evbase 11311").doesNotContain("7007");
    }

    @Test
    void testPodIsLockedDownAndStaysOutOfTheServerSelectors(@TempDir Path tmp) throws IOException {
        Pod pod = renderTestPod(tmp, Map.of());
        Container container = testContainer(pod);
        Map<String, String> serverSelector = HelmChart.evbase().render(Map.of())
                .deployment().getSpec().getSelector().getMatchLabels();

        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        // Otherwise the Services would route clients to it and the PDB would count it.
        assertThat(pod.getMetadata().getLabels().entrySet().containsAll(serverSelector.entrySet())).isFalse();
    }

    @Test
    void releaseNotesShowHowToReachListenersAndTheReactorEndpoint() {
        String notes = new Helm(HelmChart.evbase().dir()).install()
                .withName(HelmChart.RELEASE).withNamespace(HelmChart.NAMESPACE)
                .clientOnly().dryRun().call().getOutput();

        assertThat(notes)
                .contains("shop-evbase-headless.cache.svc")
                .contains("port-forward svc/shop-evbase-management 8081")
                .contains("http://127.0.0.1:8081/actuator/reactor")
                .contains("helm test shop --namespace cache");
    }

    private static Pod renderTestPod(Path tmp, Map<String, ?> sets) throws IOException {
        HelmChart copy = HelmChart.evbase().copyTo(tmp.resolve("evbase"));
        Path template = copy.dir().resolve("templates/tests/test-listeners.yaml");
        String text = Files.readString(template);
        assertThat(text).contains(HOOK);
        Files.writeString(template, text.replace(HOOK, RENAMED));
        return copy.render(sets).named(Pod.class, HelmChart.FULLNAME + "-test-listeners");
    }

    private static Container testContainer(Pod pod) {
        assertThat(pod.getSpec().getContainers()).hasSize(1);
        return pod.getSpec().getContainers().get(0);
    }
}
