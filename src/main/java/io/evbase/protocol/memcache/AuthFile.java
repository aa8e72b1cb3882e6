package io.evbase.protocol.memcache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The users of memcached's ASCII authentication ({@code memcached -Y <file>}): a file of {@code user:password}
 * lines. The user is everything before the first colon, the password everything after it up to the end of the
 * line (a CR before the LF is not part of it). Unlike memcached, which silently keeps only the first 8 entries,
 * every line counts; a line without a colon fails the load, as in memcached; blank lines are skipped.
 *
 * <p>{@link #check} compares user and password in time independent of where they differ, as memcached's
 * {@code safe_memcmp} does.
 *
 * <p>Threading: immutable, thread-safe.
 */
public final class AuthFile {

    private final Path path;
    private final List<byte[][]> entries;

    private AuthFile(Path path, List<byte[][]> entries) {
        this.path = path;
        this.entries = entries;
    }

    /**
     * Reads {@code path}.
     *
     * @throws AuthFileException when it cannot be read, a line has no colon, or it holds no entry
     */
    public static AuthFile load(Path path) {
        byte[] content;
        try {
            content = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new AuthFileException("memcache auth file " + path + " cannot be read: " + e, e);
        }
        List<byte[][]> entries = new ArrayList<>();
        int lineNo = 0;
        for (int start = 0; start < content.length; ) {
            lineNo++;
            int end = start;
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            int next = end + 1;
            if (end > start && content[end - 1] == '\r') {
                end--;
            }
            if (end > start) {
                int colon = start;
                while (colon < end && content[colon] != ':') {
                    colon++;
                }
                if (colon == end) {
                    throw new AuthFileException("memcache auth file " + path + ": line " + lineNo
                            + " is not user:password", null);
                }
                entries.add(new byte[][] {Arrays.copyOfRange(content, start, colon),
                    Arrays.copyOfRange(content, colon + 1, end)});
            }
            start = next;
        }
        if (entries.isEmpty()) {
            throw new AuthFileException("memcache auth file " + path + " has no user:password line", null);
        }
        return new AuthFile(path, List.copyOf(entries));
    }

    /** Where the users were read from (memcached's {@code stats settings} reports it as auth_enabled_ascii). */
    public Path path() {
        return path;
    }

    /** Users in the file. */
    public int size() {
        return entries.size();
    }

    /** Whether {@code user}/{@code password} is one of the entries. */
    boolean check(byte[] buf, int userStart, int userLength, int passStart, int passLength) {
        byte[] user = Arrays.copyOfRange(buf, userStart, userStart + userLength);
        byte[] pass = Arrays.copyOfRange(buf, passStart, passStart + passLength);
        boolean found = false;
        for (byte[][] e : entries) {
            // both compared always, in constant time per length: no early exit that tells which part differed
            boolean u = MessageDigest.isEqual(e[0], user);
            boolean p = MessageDigest.isEqual(e[1], pass);
            found |= u & p;
        }
        return found;
    }

    /** The auth file cannot be used; the message says why, in one line. */
    public static final class AuthFileException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        AuthFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** For tests: an auth file of the given {@code user:password} lines. */
    static AuthFile of(String... lines) {
        List<byte[][]> entries = new ArrayList<>();
        for (String l : lines) {
            int colon = l.indexOf(':');
            entries.add(new byte[][] {l.substring(0, colon).getBytes(StandardCharsets.ISO_8859_1),
                l.substring(colon + 1).getBytes(StandardCharsets.ISO_8859_1)});
        }
        return new AuthFile(Path.of("<memory>"), List.copyOf(entries));
    }
}
