package io.evbase.hardening;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A checker of memcache reply streams: every unit is a known reply line (classic or meta) ending in CRLF, and
 * {@code VALUE} and {@code VA} lines are followed by exactly their data block and CRLF. Also counts error replies
 * and drops the {@code STAT} lines whose figures differ from run to run.
 */
final class MemcacheReplies {

    private static final Set<String> WORDS = Set.of("END", "STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELETED",
            "TOUCHED", "OK", "RESET", "VERSION", "STAT", "HD", "NS", "EX", "NF", "EN", "MN", "ME");

    /** Result of a check: the problem (null if well formed), replies, error replies, and the stream without STATs. */
    record Check(String problem, int replies, int errors, byte[] withoutStats) {
    }

    private MemcacheReplies() {
    }

    static boolean isError(String line) {
        return line.startsWith("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR")
                || line.startsWith("MEMLIMIT_");
    }

    static Check check(byte[] out) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream(out.length);
        int pos = 0;
        int replies = 0;
        int errors = 0;
        while (pos < out.length) {
            int lf = -1;
            for (int i = pos; i < out.length; i++) {
                if (out[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf < 0 || lf == pos || out[lf - 1] != '\r') {
                return new Check("unterminated reply at " + pos, replies, errors, kept.toByteArray());
            }
            String line = new String(out, pos, lf - 1 - pos, StandardCharsets.ISO_8859_1);
            int next = lf + 1;
            String word = line.split(" ", 2)[0];
            if (isError(line)) {
                errors++;
            } else if (word.equals("VALUE") || word.equals("VA")) {
                String[] t = line.split(" ");
                int size;
                try {
                    size = Integer.parseInt(word.equals("VALUE") ? t[3] : t[1]);
                } catch (RuntimeException e) {
                    return new Check("bad " + word + " line '" + line + "'", replies, errors, kept.toByteArray());
                }
                next = lf + 1 + size + 2;
                if (size < 0 || next > out.length || out[next - 2] != '\r' || out[next - 1] != '\n') {
                    return new Check("data block of '" + line + "' not followed by CRLF", replies, errors,
                            kept.toByteArray());
                }
            } else if (!WORDS.contains(word) && !line.chars().allMatch(Character::isDigit)) {
                return new Check("unknown reply '" + line + "'", replies, errors, kept.toByteArray());
            } else if (line.isEmpty()) {
                return new Check("empty reply line", replies, errors, kept.toByteArray());
            }
            if (!word.equals("STAT")) {
                kept.write(out, pos, next - pos);
            }
            replies++;
            pos = next;
        }
        return new Check(null, replies, errors, kept.toByteArray());
    }
}
