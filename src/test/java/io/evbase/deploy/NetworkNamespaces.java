package io.evbase.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several hosts on one machine: a Linux bridge in the root network namespace and, per host, a network namespace
 * joined to it by a veth pair, each with its own address on one /24 (iproute2, as root). The root namespace
 * holds the bridge's address, so the tests reach every host directly, and no forwarding, NAT or firewall rule is
 * involved. {@link #close()} deletes everything this object created; {@code deploy/netns-cleanup.sh PREFIX} does
 * the same from outside for a run that died.
 *
 * <p>Names are {@code PREFIX + suffix} (at most 15 characters, the kernel's limit for links). Not thread-safe:
 * one test thread sets the network up and tears it down.
 */
public final class NetworkNamespaces implements AutoCloseable {

    /** One host: a network namespace with one address on the bridge's network. */
    public record Host(String name, String namespace, String address) {

        /** The path podman takes as {@code --network ns:PATH}. */
        public String namespacePath() {
            return "/run/netns/" + namespace;
        }

        /** A command line that runs {@code command} inside this host's namespace. */
        public List<String> exec(List<String> command) {
            List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            line.addAll(command);
            return line;
        }
    }

    private final String prefix;
    private final String bridge;
    private final String subnet;
    private final List<Host> hosts = new ArrayList<>();

    private NetworkNamespaces(String prefix, String subnet) {
        this.prefix = prefix;
        this.bridge = prefix + "br";
        this.subnet = subnet;
    }

    /**
     * A bridge named {@code PREFIX + "br"} on the first 10.213-10.250.x.0/24 network that no address or route of
     * this machine uses yet; the bridge takes {@code .1}.
     */
    public static NetworkNamespaces create(String prefix) {
        if (prefix.length() > 11) {
            throw new IllegalArgumentException("prefix " + prefix + " leaves no room for suffixes in 15 characters");
        }
        String used = run("ip", "-4", "-o", "addr") + run("ip", "-4", "route", "show", "table", "all");
        for (int second = 213; second <= 250; second++) {
            String subnet = "10." + second + ".0";
            if (!used.contains(subnet + ".")) {
                NetworkNamespaces net = new NetworkNamespaces(prefix, subnet);
                try {
                    run("ip", "link", "add", net.bridge, "type", "bridge");
                    run("ip", "addr", "add", subnet + ".1/24", "dev", net.bridge);
                    run("ip", "link", "set", net.bridge, "up");
                } catch (RuntimeException e) {
                    net.close();
                    throw e;
                }
                return net;
            }
        }
        throw new IllegalStateException("no free 10.x.0.0/24 network for the test hosts");
    }

    /** The run's default prefix: {@code evbase.netns.prefix}, else "evb" and this process's id. */
    public static String defaultPrefix() {
        return System.getProperty("evbase.netns.prefix", "evb" + ProcessHandle.current().pid());
    }

    /** The bridge's address, the root namespace's address on the hosts' network. */
    public String gateway() {
        return subnet + ".1";
    }

    /** Adds a host {@code PREFIX + suffix} at {@code .hostNumber}, loopback up, default route via the bridge. */
    public Host addHost(String suffix, int hostNumber) {
        Host host = new Host(suffix, prefix + suffix, subnet + "." + hostNumber);
        String outside = prefix + suffix;
        hosts.add(host);
        run("ip", "netns", "add", host.namespace());
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", host.namespace());
        run("ip", "link", "set", outside, "master", bridge);
        run("ip", "link", "set", outside, "up");
        run("ip", "-n", host.namespace(), "addr", "add", host.address() + "/24", "dev", "eth0");
        run("ip", "-n", host.namespace(), "link", "set", "eth0", "up");
        run("ip", "-n", host.namespace(), "link", "set", "lo", "up");
        run("ip", "-n", host.namespace(), "route", "add", "default", "via", gateway());
        return host;
    }

    /**
     * Kills what still runs in the hosts' namespaces (processes the test started there and did not stop), then
     * deletes the namespaces (their veth pairs go with them) and the bridge. Safe to call twice.
     */
    @Override
    public void close() {
        for (Host host : hosts) {
            if (Files.exists(Path.of(host.namespacePath()))) {
                for (String pid : run("ip", "netns", "pids", host.namespace()).split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                runQuietly("ip", "netns", "del", host.namespace());
            }
        }
        hosts.clear();
        runQuietly("ip", "link", "del", bridge);
    }

    static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void runQuietly(String... command) {
        try {
            run(command);
        } catch (RuntimeException e) {
            // Already gone (a second close, or a host whose creation failed half-way).
        }
    }

    @Override
    public String toString() {
        return bridge + " " + subnet + ".0/24: " + hosts.stream().map(h -> h.namespace() + "=" + h.address())
                .collect(Collectors.joining(", "));
    }
}
