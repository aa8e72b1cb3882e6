package io.evbase.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.yaml.snakeyaml.Yaml;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The output of {@code helm template}, parsed into fabric8 Kubernetes model objects, with the
 * look-ups the chart tests need.
 */
final class RenderedManifests {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final List<HasMetadata> resources;

    private RenderedManifests(List<HasMetadata> resources) {
        this.resources = resources;
    }

    static RenderedManifests parse(String yaml) {
        List<HasMetadata> resources = new ArrayList<>();
        // Helm separates documents with a bare "---" line; block scalars inside are indented.
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            Object parsed = SERIALIZATION.unmarshal(document);
            if (!(parsed instanceof HasMetadata resource)) {
                throw new IllegalStateException("not a Kubernetes resource: " + document);
            }
            resources.add(resource);
        }
        return new RenderedManifests(resources);
    }

    List<HasMetadata> all() {
        return resources;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream()
                .filter(r -> r.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException(type.getSimpleName() + " " + name));
    }

    GenericKubernetesResource custom(String kind) {
        return all(GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals(kind))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException(kind));
    }

    boolean has(String kind) {
        return resources.stream().anyMatch(r -> r.getKind().equals(kind));
    }

    Deployment deployment() {
        return named(Deployment.class, HelmChart.FULLNAME);
    }

    /** The server's application.yml as the ConfigMap carries it, parsed. */
    Map<String, Object> applicationYaml() {
        ConfigMap config = named(ConfigMap.class, HelmChart.FULLNAME);
        return new Yaml().load(config.getData().get("application.yml"));
    }

    /**
     * Fields fabric8 did not recognise, by path. fabric8 keeps unknown fields instead of failing,
     * so a misspelt or misplaced key would otherwise pass unnoticed; the API server would reject
     * (or silently drop) it.
     */
    List<String> unknownFields() {
        List<String> unknown = new ArrayList<>();
        for (HasMetadata resource : resources) {
            // Custom resources (ServiceMonitor) are all "unknown" to the core model.
            if (!(resource instanceof GenericKubernetesResource)) {
                collectUnknown(resource, resource.getKind() + "/" + resource.getMetadata().getName(), unknown);
            }
        }
        return unknown;
    }

    private static void collectUnknown(Object node, String path, List<String> unknown) {
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknown(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> collectUnknown(value, path + "." + key, unknown));
            return;
        }
        if (node == null || !node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        Method[] getters = Arrays.stream(node.getClass().getMethods())
                .filter(m -> m.getParameterCount() == 0 && m.getName().startsWith("get")
                        && m.getDeclaringClass() != Object.class)
                .toArray(Method[]::new);
        for (Method getter : getters) {
            Object value = invoke(getter, node);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else {
                collectUnknown(value, path + "." + getter.getName().substring(3), unknown);
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter.toString(), e);
        }
    }

    /** The value at a dotted path in nested maps, e.g. {@code evbase.shutdown.drain-timeout}. */
    @SuppressWarnings("unchecked")
    static <T> T at(Map<String, Object> yaml, String dottedPath) {
        Object node = yaml;
        for (String key : dottedPath.split("\\.")) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
                throw new NoSuchElementException(dottedPath + " (missing " + key + ")");
            }
            node = map.get(key);
        }
        return (T) node;
    }
}
