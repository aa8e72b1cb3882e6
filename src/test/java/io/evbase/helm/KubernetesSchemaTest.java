package io.evbase.helm;

import io.evbase.helm.KubernetesSchemas.Verdict;
import io.evbase.helm.KubernetesSchemas.Violation;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rendered manifests against Kubernetes' own schemas (types, required fields, enums), offline, through
 * {@link KubernetesSchemas}. Those schemas accept unknown fields, so {@code ChartLintTest}'s fabric8 check for
 * them stays beside this one. Deliberately broken renderings prove that the validation can fail.
 *
 * <p>Needs Node.js and {@code npm ci --prefix deploy/k8s-schema}; runs in the {@code k8s-schema} Maven profile,
 * which {@code .ci/run} turns on and which turns itself on where those modules are installed.
 */
class KubernetesSchemaTest {

    private static final String DEFAULTS = HelmChart.evbase().renderText(null, Map.of());

    static Stream<Named<String>> renderings() {
        return Stream.of(
                Named.of("defaults", DEFAULTS),
                Named.of("every feature on", HelmChart.evbase().renderText(HelmChart.ALL_FEATURES, Map.of())),
                Named.of("tmpfs /tmp, no headless Service, no PDB, no ServiceAccount", HelmChart.evbase().renderText(null, Map.of(
                        "tmpVolume.medium", "Memory", "headless.enabled", "false",
                        "podDisruptionBudget.enabled", "false", "serviceAccount.create", "false"))));
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void everyRenderedManifestIsValid(String rendering) {
        List<Verdict> verdicts = KubernetesSchemas.validate(rendering);

        assertThat(verdicts).hasSize(RenderedManifests.parse(rendering).all().size());
        assertThat(verdicts).allMatch(Verdict::valid);
    }

    @Test
    void theHelmTestPodIsValid(@TempDir Path tmp) throws IOException {
        // helm-java's template leaves hooks out: render a copy whose hook annotation is renamed (HelmTestHookTest).
        HelmChart copy = HelmChart.evbase().copyTo(tmp.resolve("evbase"));
        Path template = copy.dir().resolve("templates/tests/test-listeners.yaml");
        Files.writeString(template, Files.readString(template).replace("\"helm.sh/hook\": test", "\"evbase.io/hook\": test"));

        List<Verdict> verdicts = KubernetesSchemas.validate(copy.renderText(null, Map.of()));

        assertThat(verdicts).filteredOn(v -> v.kind().equals("Pod")).singleElement().matches(Verdict::valid);
        assertThat(verdicts).allMatch(Verdict::valid);
    }

    @Test
    void aWrongTypeFails() {
        String broken = edit(DEFAULTS, "Deployment", d -> map(d, "spec").put("replicas", "2"));

        assertThat(violations(broken, "Deployment")).contains(new Violation("/spec/replicas", "must be integer"));
    }

    @Test
    void aMissingRequiredFieldFails() {
        String broken = edit(DEFAULTS, "Service", s -> firstOf(map(s, "spec"), "ports").remove("port"));

        assertThat(violations(broken, "Service"))
                .contains(new Violation("/spec/ports/0", "must have required property port"));
    }

    @Test
    void aBadEnumFails() {
        String broken = edit(DEFAULTS, "Deployment",
                d -> firstOf(map(d, "spec.template.spec"), "containers").put("imagePullPolicy", "IfNewer"));

        assertThat(violations(broken, "Deployment")).contains(new Violation(
                "/spec/template/spec/containers/0/imagePullPolicy",
                "must be equal to one of the allowed values (Always, IfNotPresent, Never)"));
    }

    @Test
    void theServiceMonitorIsCheckedAgainstThePrometheusOperatorSchema() {
        String rendering = HelmChart.evbase().renderText(HelmChart.ALL_FEATURES, Map.of());
        String broken = edit(rendering, "ServiceMonitor", m -> firstOf(map(m, "spec"), "endpoints").put("scheme", "tcp"));

        assertThat(violations(broken, "ServiceMonitor")).anySatisfy(v -> {
            assertThat(v.path()).isEqualTo("/spec/endpoints/0/scheme");
            assertThat(v.message()).startsWith("must be equal to one of the allowed values");
        });
    }

    @Test
    void anApiVersionKubernetesDoesNotServeFails() {
        String broken = edit(DEFAULTS, "PodDisruptionBudget", p -> p.put("apiVersion", "policy/v2"));

        assertThat(violations(broken, "PodDisruptionBudget"))
                .containsExactly(new Violation("", "no schema for apiVersion policy/v2 kind PodDisruptionBudget"));
    }

    private static List<Violation> violations(String yaml, String kind) {
        List<Verdict> verdicts = KubernetesSchemas.validate(yaml);
        // Only the edited document fails: the rest of the rendering stays valid.
        assertThat(verdicts).filteredOn(v -> !v.kind().equals(kind)).allMatch(Verdict::valid);
        return verdicts.stream().filter(v -> v.kind().equals(kind)).findFirst().orElseThrow().errors();
    }

    /** The rendering with the first document of a kind changed by {@code change}. */
    @SuppressWarnings("unchecked")
    private static String edit(String yaml, String kind, Consumer<Map<String, Object>> change) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Yaml parser = new Yaml(options);
        List<Object> documents = new ArrayList<>();
        parser.loadAll(yaml).forEach(d -> {
            if (d != null) {
                documents.add(d);
            }
        });
        Map<String, Object> target = documents.stream().map(d -> (Map<String, Object>) d)
                .filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow();
        change.accept(target);
        return parser.dumpAll(documents.iterator());
    }

    private static Map<String, Object> map(Map<String, Object> document, String dottedPath) {
        return RenderedManifests.at(document, dottedPath);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstOf(Map<String, Object> parent, String list) {
        return ((List<Map<String, Object>>) parent.get(list)).get(0);
    }
}
