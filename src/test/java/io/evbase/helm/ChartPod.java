package io.evbase.helm;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The server pod of a rendered chart as one {@code podman run}: the container's image, user and groups,
 * read-only root, capabilities, privilege escalation, memory and CPU limits, environment, the ConfigMap volume
 * (its keys written to files, mounted read-only where the chart mounts it) and emptyDir volumes (a tmpfs of the
 * volume's size limit). Whatever the rendering asks for that a single podman container cannot do the same way
 * fails the translation, so the check never runs something other than what the chart describes. Networking is
 * the caller's: the pod's own network namespace, where the container ports are the ports it listens on.
 */
final class ChartPod {

    private final Container container;
    private final PodSpec pod;
    private final List<String> runArguments;

    private ChartPod(Container container, PodSpec pod, List<String> runArguments) {
        this.container = container;
        this.pod = pod;
        this.runArguments = runArguments;
    }

    /**
     * Translates the rendering's Deployment; ConfigMap volumes are written under {@code volumesDir}, which the
     * container's user must be able to read.
     */
    static ChartPod of(RenderedManifests manifests, Path volumesDir) {
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        require(pod.getInitContainers() == null || pod.getInitContainers().isEmpty(), "init containers");
        require(pod.getContainers().size() == 1, "more than one container");
        Container container = pod.getContainers().get(0);
        List<String> args = new ArrayList<>();

        PodSecurityContext podSecurity = Objects.requireNonNullElseGet(pod.getSecurityContext(), PodSecurityContext::new);
        SecurityContext security = Objects.requireNonNullElseGet(container.getSecurityContext(), SecurityContext::new);
        Long user = security.getRunAsUser() != null ? security.getRunAsUser() : podSecurity.getRunAsUser();
        Long group = security.getRunAsGroup() != null ? security.getRunAsGroup() : podSecurity.getRunAsGroup();
        require(user != null, "no runAsUser (the check does not read the image's user)");
        if (Boolean.TRUE.equals(security.getRunAsNonRoot()) || Boolean.TRUE.equals(podSecurity.getRunAsNonRoot())) {
            require(user != 0, "runAsNonRoot with runAsUser 0");
        }
        args.addAll(List.of("--user", group == null ? "" + user : user + ":" + group));
        // No passwd entries for the user (Kubernetes adds none either), so `podman diff` shows only the process's writes.
        args.add("--passwd=false");
        if (podSecurity.getFsGroup() != null) {
            args.addAll(List.of("--group-add", "" + podSecurity.getFsGroup()));
        }
        require(!Boolean.TRUE.equals(security.getPrivileged()), "a privileged container");
        if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
            // Only the read-only root: podman's own tmpfs on /tmp, /var/tmp and /run would hide what the chart mounts.
            args.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
        }
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            args.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        Capabilities capabilities = security.getCapabilities();
        if (capabilities != null) {
            capabilities.getDrop().forEach(c -> args.add("--cap-drop=" + c));
            capabilities.getAdd().forEach(c -> args.add("--cap-add=" + c));
        }
        String seccomp = security.getSeccompProfile() != null ? security.getSeccompProfile().getType()
                : podSecurity.getSeccompProfile() != null ? podSecurity.getSeccompProfile().getType() : "RuntimeDefault";
        require(seccomp.equals("RuntimeDefault"), "seccomp profile " + seccomp + " (podman applies its default one)");

        if (container.getResources() != null && container.getResources().getLimits() != null) {
            Map<String, Quantity> limits = container.getResources().getLimits();
            if (limits.containsKey("memory")) {
                String bytes = "" + Quantity.getAmountInBytes(limits.get("memory")).longValueExact();
                // No swap on top, as on a Kubernetes node.
                args.addAll(List.of("--memory", bytes, "--memory-swap", bytes));
            }
            if (limits.containsKey("cpu")) {
                args.addAll(List.of("--cpus", Quantity.getAmountInBytes(limits.get("cpu")).toPlainString()));
            }
        }
        for (EnvVar env : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
            require(env.getValueFrom() == null, "env " + env.getName() + " from a reference");
            args.addAll(List.of("--env", env.getName() + "=" + Objects.requireNonNullElse(env.getValue(), "")));
        }
        for (VolumeMount mount : Objects.requireNonNullElse(container.getVolumeMounts(), List.<VolumeMount>of())) {
            require(mount.getSubPath() == null, "subPath mounts");
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no volume " + mount.getName()));
            args.addAll(mountArguments(manifests, volume, mount, volumesDir));
        }
        require(container.getWorkingDir() == null, "a working directory other than the image's");
        if (container.getCommand() != null && !container.getCommand().isEmpty()) {
            args.add("--entrypoint=" + toJsonArray(container.getCommand()));
        }
        args.add(container.getImage());
        args.addAll(Objects.requireNonNullElse(container.getArgs(), List.of()));
        return new ChartPod(container, pod, List.copyOf(args));
    }

    private static List<String> mountArguments(RenderedManifests manifests, Volume volume, VolumeMount mount,
                                               Path volumesDir) {
        boolean readOnly = Boolean.TRUE.equals(mount.getReadOnly());
        if (volume.getConfigMap() != null) {
            require(volume.getConfigMap().getItems() == null || volume.getConfigMap().getItems().isEmpty(),
                    "configMap items");
            ConfigMap config = manifests.named(ConfigMap.class, volume.getConfigMap().getName());
            Path dir = volumesDir.resolve(volume.getName());
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                for (Map.Entry<String, String> item : config.getData().entrySet()) {
                    Path file = dir.resolve(item.getKey());
                    Files.writeString(file, item.getValue());
                    // Kubernetes' default mode for ConfigMap files.
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return List.of("--volume", dir + ":" + mount.getMountPath() + (readOnly ? ":ro" : ":rw"));
        }
        if (volume.getEmptyDir() != null) {
            require(!readOnly, "a read-only emptyDir");
            EmptyDirVolumeSource emptyDir = volume.getEmptyDir();
            String options = "rw,mode=1777";
            if (emptyDir.getSizeLimit() != null) {
                options += ",size=" + Quantity.getAmountInBytes(emptyDir.getSizeLimit()).longValueExact();
            }
            return List.of("--tmpfs", mount.getMountPath() + ":" + options);
        }
        throw new IllegalArgumentException("volume " + volume.getName() + " is neither a configMap nor an emptyDir");
    }

    /** The arguments of {@code podman run} after its own options (name, network, detach). */
    List<String> runArguments() {
        return runArguments;
    }

    Container container() {
        return container;
    }

    PodSpec pod() {
        return pod;
    }

    /** The container's ports by name. */
    Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (ContainerPort port : container.getPorts()) {
            ports.put(port.getName(), port.getContainerPort());
        }
        return ports;
    }

    /** The value of one of the container's environment variables. */
    String env(String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no env " + name));
    }

    private static String toJsonArray(List<String> items) {
        List<String> quoted = items.stream()
                .map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").toList();
        return "[" + String.join(",", quoted) + "]";
    }

    private static void require(boolean supported, String what) {
        if (!supported) {
            throw new IllegalArgumentException("the pod check cannot run " + what + " as the chart describes");
        }
    }
}
