package io.evbase.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The podman command line (rootful, daemonless), with a {@code containers.conf} of its own that makes it work on
 * a machine like the CI's: the {@code runc} runtime (crun refuses a hybrid cgroup layout), the {@code cgroupfs}
 * manager (no systemd), and default ulimits within the machine's hard limits (podman's defaults, 1048576 open
 * files, cannot be set where the hard limit is lower). Each call runs one podman process; thread-safe.
 */
public final class Podman {

    /** What one podman command printed and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    // podman runs with RLIMIT_NPROC lowered to this (seen in /proc/<podman>/limits) and cannot give a container
    // more; asked for more, runc's setrlimit fails with EPERM.
    private static final long PODMAN_NPROC = 32768;
    // podman's own default for open files.
    private static final long PODMAN_NOFILE = 1048576;

    private final Path config;

    private Podman(Path config) {
        this.config = config;
    }

    /** Writes the containers.conf into {@code dir} and returns a podman that uses it. */
    public static Podman configure(Path dir) {
        long nofile = Math.min(hardLimit("Max open files"), PODMAN_NOFILE);
        long nproc = Math.min(hardLimit("Max processes"), PODMAN_NPROC);
        String conf = """
                [containers]
                default_ulimits = ["nofile=%d:%d", "nproc=%d:%d"]
                [engine]
                runtime = "runc"
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                """.formatted(nofile, nofile, nproc, nproc);
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("containers.conf");
            Files.writeString(file, conf);
            return new Podman(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code podman args...} and returns its output; fails unless it exits 0. */
    public String run(String... args) {
        Result result = attempt(args);
        if (!result.ok()) {
            throw new IllegalStateException("podman " + String.join(" ", args) + " exited " + result.exitCode()
                    + ": " + result.output().strip());
        }
        return result.output();
    }

    /** Runs {@code podman args...} (stdout and stderr merged) and returns how it ended. */
    public Result attempt(String... args) {
        try {
            Process process = builder(List.of(args)).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("podman " + String.join(" ", args) + " did not finish");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code podman args...} without waiting (e.g. {@code podman wait}); output discarded. */
    public Process start(String... args) {
        try {
            return builder(List.of(args)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProcessBuilder builder(List<String> args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("CONTAINERS_CONF", config.toString());
        return builder;
    }

    /** The hard limit of this process for a row of /proc/self/limits ("Max open files"). */
    private static long hardLimit(String row) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith(row)) {
                    String hard = line.substring(row.length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no '" + row + "' in /proc/self/limits");
    }
}
