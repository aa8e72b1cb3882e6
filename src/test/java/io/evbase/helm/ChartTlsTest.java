package io.evbase.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from a Secret: the Secret mounted as a directory (so a renewed certificate reaches the running pod), the SSL
 * bundle and the listeners' ssl properties in application.yml, the values' checks, and the {@code helm test} pod
 * speaking TLS.
 */
class ChartTlsTest {

    private static final Map<String, Object> TLS = Map.of("tls.enabled", "true", "tls.secretName", "evbase-tls");

    private final HelmChart chart = HelmChart.evbase();

    @Test
    void offByDefault() {
        RenderedManifests r = chart.render(Map.of());
        assertThat(r.deployment().getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName)
                .doesNotContain("tls");
        assertThat(r.applicationYaml().get("spring").toString()).doesNotContain("ssl");
    }

    @Test
    void theSecretIsMountedAsADirectoryAndTheListenersNameTheBundle() {
        RenderedManifests r = chart.render(TLS);
        PodSpec pod = r.deployment().getSpec().getTemplate().getSpec();
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals("tls")).findFirst().orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("evbase-tls");
        VolumeMount mount = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getName().equals("tls")).findFirst().orElseThrow();
        assertThat(mount.getMountPath()).isEqualTo("/app/tls");
        assertThat(mount.getSubPath()).as("a subPath mount never sees the Secret's updates").isNull();
        assertThat(mount.getReadOnly()).isTrue();

        Map<String, Object> app = r.applicationYaml();
        assertThat((Object) RenderedManifests.at(app, "spring.ssl.bundle.pem.evbase-tls.reload-on-update")).isEqualTo(true);
        assertThat((Object) RenderedManifests.at(app, "spring.ssl.bundle.pem.evbase-tls.keystore.certificate"))
                .isEqualTo("file:/app/tls/tls.crt");
        assertThat((Object) RenderedManifests.at(app, "spring.ssl.bundle.pem.evbase-tls.keystore.private-key"))
                .isEqualTo("file:/app/tls/tls.key");
        assertThat((Object) RenderedManifests.at(app, "spring.ssl.bundle.watch.file.quiet-period")).isEqualTo("10s");
        for (String listener : new String[] {"echo", "memcache"}) {
            assertThat((Object) RenderedManifests.at(app, "evbase.listeners." + listener + ".ssl.bundle"))
                    .isEqualTo("evbase-tls");
            assertThat((Object) RenderedManifests.at(app, "evbase.listeners." + listener + ".ssl.client-auth"))
                    .isEqualTo("none");
        }
        assertThat(r.applicationYaml().toString()).doesNotContain("truststore");
        assertThat(r.unknownFields()).isEmpty();
    }

    @Test
    void clientCertificatesUseTheSecretsCaAndOnlyTheNamedListenersSpeakTls() {
        Map<String, Object> app = chart.render(Map.of("tls.enabled", "true", "tls.secretName", "evbase-tls",
                "tls.clientAuth", "need", "tls.listeners[0]", "memcache")).applicationYaml();
        assertThat((Object) RenderedManifests.at(app, "spring.ssl.bundle.pem.evbase-tls.truststore.certificate"))
                .isEqualTo("file:/app/tls/ca.crt");
        assertThat((Object) RenderedManifests.at(app, "evbase.listeners.memcache.ssl.client-auth")).isEqualTo("need");
        Map<String, Object> echo = RenderedManifests.at(app, "evbase.listeners.echo");
        assertThat(echo).doesNotContainKey("ssl");
    }

    @Test
    void valuesThatCannotWorkAreRefused() {
        assertThatThrownBy(() -> chart.renderText(null, Map.of("tls.enabled", "true")))
                .hasMessageContaining("secretName");
        assertThatThrownBy(() -> chart.renderText(null, Map.of("tls.enabled", "true", "tls.secretName", "s",
                "tls.clientAuth", "maybe"))).hasMessageContaining("clientAuth");
        assertThatThrownBy(() -> chart.renderText(null, Map.of("tls.enabled", "true", "tls.secretName", "s",
                "tls.listeners[0]", "nope"))).hasMessageContaining("tls.listeners names nope");
    }

    @Test
    void theTestPodSpeaksTlsToTheTlsListeners(@TempDir Path tmp) throws IOException {
        HelmChart copy = chart.copyTo(tmp.resolve("evbase"));
        Path template = copy.dir().resolve("templates/tests/test-listeners.yaml");
        Files.writeString(template, Files.readString(template).replace("\"helm.sh/hook\": test",
                "\"evbase.io/renamed-hook\": test"));
        Pod pod = copy.render(Map.of("tls.enabled", "true", "tls.secretName", "evbase-tls", "tls.listeners[0]",
                "memcache")).named(Pod.class, HelmChart.FULLNAME + "-test-listeners");
        Container c = pod.getSpec().getContainers().get(0);
        String script = String.join("\n", c.getCommand());
        assertThat(c.getImage()).isEqualTo("python:3.13-alpine");
        assertThat(script).contains("reply=$(tls shop-evbase 11211 'version\\r\\n')")
                .contains("grep -q '^VERSION .* TLSv1'")
                .contains("printf 'evbase-helm-test\\n' | nc -w 5 shop-evbase 7007") // echo stays plaintext
                .contains("ssl.create_default_context");
        assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).containsExactly("/tls");
        assertThat(pod.getSpec().getVolumes().get(0).getSecret().getSecretName()).isEqualTo("evbase-tls");
    }

    @Test
    void theTestPodsTlsClientRuns(@TempDir Path tmp) throws Exception {
        // The script's Python, as rendered, against a TLS listener: what the pod would run.
        io.evbase.support.TestPki.Issued ca = io.evbase.support.TestPki.authority("chart CA");
        io.evbase.support.TestPki.Issued cert = ca.server("localhost");
        Path tls = Files.createDirectories(tmp.resolve("tls"));
        HelmChart copy = chart.copyTo(tmp.resolve("evbase"));
        Path template = copy.dir().resolve("templates/tests/test-listeners.yaml");
        Files.writeString(template, Files.readString(template).replace("\"helm.sh/hook\": test",
                "\"evbase.io/renamed-hook\": test"));
        Pod pod = copy.render(TLS).named(Pod.class, HelmChart.FULLNAME + "-test-listeners");
        String script = String.join("\n", pod.getSpec().getContainers().get(0).getCommand());
        String python = script.substring(script.indexOf("python3 -c '") + "python3 -c '".length());
        python = python.substring(0, python.indexOf("\n' \"$1\""));
        Path file = tmp.resolve("client.py");
        Files.writeString(file, python.replace("/tls/", tls + "/"));
        cert.writePem(tls.resolve("tls.crt"), tls.resolve("tls.key"));
        Files.writeString(tls.resolve("ca.crt"), ca.certPem());
        io.evbase.net.tls.ListenerTls listenerTls = new io.evbase.net.tls.ListenerTls("memcache",
                new io.evbase.net.tls.TlsIdentity("test", cert.context(), java.util.List.of(), java.util.List.of(),
                        cert.cert()), io.evbase.net.tls.ClientAuth.NONE, java.time.Duration.ofSeconds(10));
        try (io.evbase.support.TestServer s = io.evbase.support.TestServer.start(io.evbase.net.ListenerSpec.of(
                "echo", 0, new io.evbase.protocol.echo.EchoHandler()).withTls(listenerTls))) {
            Process p = new ProcessBuilder(io.evbase.support.TlsClients.require("python3"), file.toString(),
                    "127.0.0.1", String.valueOf(s.port), "evbase-helm-test\\n", "none").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).startsWith("evbase-helm-test TLSv1.3");
        }
    }
}
