package io.evbase.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A directory laid out as the kubelet lays out a Secret volume, updated as the kubelet updates it: each file name
 * is a symlink through {@code ..data}, a symlink to a timestamped directory; an update writes a new timestamped
 * directory, points a new {@code ..data_tmp} link at it, renames that over {@code ..data} (one atomic step) and
 * removes the old directory.
 *
 * <p>Threading: one test thread.
 */
public final class SecretVolume {

    private final Path dir;
    private final AtomicInteger version = new AtomicInteger();
    private Path current;

    private SecretVolume(Path dir) {
        this.dir = dir;
    }

    /** Lays out {@code files} (name to content) in {@code dir}. */
    public static SecretVolume create(Path dir, Map<String, String> files) {
        SecretVolume v = new SecretVolume(dir);
        try {
            v.current = v.writeVersion(files);
            Files.createSymbolicLink(dir.resolve("..data"), v.current.getFileName());
            for (String name : files.keySet()) {
                Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return v;
    }

    /** The path a pod reads {@code name} at. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Replaces every file at once, as a Secret update reaches the pod. */
    public void update(Map<String, String> files) {
        try {
            Path next = writeVersion(files);
            Path tmp = dir.resolve("..data_tmp");
            Files.createSymbolicLink(tmp, next.getFileName());
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (var old = Files.list(current)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(current);
            current = next;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path writeVersion(Map<String, String> files) throws IOException {
        Path d = Files.createDirectory(dir.resolve("..2026_01_01_00_00_0" + version.incrementAndGet() + "."
                + System.nanoTime()));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(d.resolve(f.getKey()), f.getValue(), StandardCharsets.US_ASCII);
        }
        return d;
    }
}
