package io.evbase.helm;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Kubernetes' own schemas, offline: {@code deploy/k8s-schema/validate.mjs}, which checks manifests with the JSON
 * schemas of the npm packages {@code kubernetes-models} and {@code @kubernetes-models/prometheus-operator}
 * (installed by {@code npm ci --prefix deploy/k8s-schema}). Thread-safe: each call runs its own Node.js process.
 */
final class KubernetesSchemas {

    static final Path DIR = HelmChart.projectDir().resolve("deploy/k8s-schema");

    /** One document's verdict: its identity and the schema violations found in it (empty when valid). */
    record Verdict(String apiVersion, String kind, String name, List<Violation> errors) {
        boolean valid() {
            return errors.isEmpty();
        }

        @Override
        public String toString() {
            return kind + "/" + name + (valid() ? " valid" : " " + errors);
        }
    }

    /** A violation: the JSON pointer into the document and the schema's message. */
    record Violation(String path, String message) {
        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    private KubernetesSchemas() {
    }

    /** Validates every document of a YAML stream, in order. */
    static List<Verdict> validate(String yaml) {
        if (!Files.isDirectory(DIR.resolve("node_modules/kubernetes-models"))) {
            throw new IllegalStateException("the schemas are not installed: run npm ci --prefix " + DIR);
        }
        try {
            Process node = new ProcessBuilder("node", DIR.resolve("validate.mjs").toString()).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(node.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(node.getErrorStream()));
            try (OutputStream in = node.getOutputStream()) {
                in.write(yaml.getBytes(StandardCharsets.UTF_8));
            }
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                throw new IllegalStateException("validate.mjs did not finish in 60 s");
            }
            if (node.exitValue() > 1) {
                throw new IllegalStateException("validate.mjs failed (" + node.exitValue() + "): " + err.join());
            }
            List<Verdict> verdicts = out.join().lines().map(KubernetesSchemas::verdict).toList();
            boolean anyInvalid = verdicts.stream().anyMatch(v -> !v.valid());
            if ((node.exitValue() == 1) != anyInvalid) {
                throw new IllegalStateException("exit " + node.exitValue() + " disagrees with " + verdicts);
            }
            return verdicts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Verdict verdict(String jsonLine) {
        Map<String, Object> json = new Yaml().load(jsonLine);
        List<Map<String, String>> errors = (List<Map<String, String>>) json.get("errors");
        return new Verdict((String) json.get("apiVersion"), (String) json.get("kind"), (String) json.get("name"),
                errors.stream().map(e -> new Violation(e.get("path"), e.get("message"))).toList());
    }

    private static String readAll(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
