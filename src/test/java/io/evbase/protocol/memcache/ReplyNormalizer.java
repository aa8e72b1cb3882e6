package io.evbase.protocol.memcache;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a reply stream so that two servers' replies compare equal when they differ only where they
 * legitimately may:
 * <ul>
 *   <li>CAS values: each distinct value becomes {@code #1}, {@code #2}... in order of first appearance, so that
 *       "the same CAS twice" and "a new CAS" are still compared (in {@code VALUE} lines of gets/gats, in the
 *       {@code c} flag of meta replies, in {@code cas=} of {@code me});</li>
 *   <li>times that can tick between the two servers: remaining TTLs ({@code t} flag, {@code exp=}) are rounded
 *       to the nearest 10 seconds, idle times ({@code l} flag, {@code la=}) to 0 when below 5;</li>
 *   <li>the version string ({@code VERSION x}).</li>
 * </ul>
 * Data blocks are copied verbatim (their lengths come from the header lines), so nothing inside a value is ever
 * rewritten. Nothing else is normalised.
 */
final class ReplyNormalizer {

    private static final Pattern META_CAS = Pattern.compile("(?<= c)(\\d+)");
    private static final Pattern ME_CAS = Pattern.compile("(?<=cas=)(\\d+)");
    private static final Pattern META_TTL = Pattern.compile("(?<= t)(\\d+)");
    private static final Pattern ME_EXP = Pattern.compile("(?<=exp=)(-?\\d+)");
    private static final Pattern META_LA = Pattern.compile("(?<= l)(\\d+)");
    private static final Pattern ME_LA = Pattern.compile("(?<=la=)(\\d+)");

    private final Map<String, String> cas = new LinkedHashMap<>();
    /** The last raw CAS seen, for steps that send it back. */
    String lastCas = "0";

    String normalize(byte[] reply) {
        String s = new String(reply, StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            if (eol < 0) {
                out.append(s, i, s.length());
                break;
            }
            String line = s.substring(i, eol);
            i = eol + 2;
            int dataLength = -1;
            if (line.startsWith("VALUE ")) {
                String[] t = line.split(" ", -1);
                if (t.length == 5) {
                    t[4] = casId(t[4]);
                    line = String.join(" ", t);
                }
                dataLength = t.length >= 4 ? parse(t[3]) : -1;
            } else if (line.startsWith("VA ") || isMetaHeader(line)) {
                if (line.startsWith("VA ")) {
                    int sp = line.indexOf(' ', 3);
                    dataLength = parse(sp < 0 ? line.substring(3) : line.substring(3, sp));
                }
                line = replace(META_CAS, line, this::casId);
                line = replace(META_TTL, line, ReplyNormalizer::roundTtl);
                line = replace(META_LA, line, ReplyNormalizer::roundIdle);
            } else if (line.startsWith("ME ")) {
                line = replace(ME_CAS, line, this::casId);
                line = replace(ME_EXP, line, ReplyNormalizer::roundTtl);
                line = replace(ME_LA, line, ReplyNormalizer::roundIdle);
            } else if (line.startsWith("VERSION ")) {
                line = "VERSION <v>";
            }
            out.append(line).append("\r\n");
            if (dataLength >= 0 && i + dataLength + 2 <= s.length()) {
                out.append(s, i, i + dataLength + 2);
                i += dataLength + 2;
            }
        }
        return out.toString();
    }

    private static boolean isMetaHeader(String line) {
        return line.startsWith("HD") || line.startsWith("EN") || line.startsWith("NF") || line.startsWith("NS")
                || line.startsWith("EX");
    }

    private static int parse(String n) {
        try {
            return Integer.parseInt(n);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String casId(String raw) {
        lastCas = raw;
        return cas.computeIfAbsent(raw, k -> "#" + (cas.size() + 1));
    }

    private static String roundTtl(String raw) {
        long v = Long.parseLong(raw);
        if (v < 0 || v > 100_000_000L) {
            return raw;
        }
        return "~" + Math.round(v / 10.0) * 10;
    }

    private static String roundIdle(String raw) {
        long v = Long.parseLong(raw);
        return v < 5 ? "0" : raw;
    }

    private static String replace(Pattern p, String line, java.util.function.UnaryOperator<String> f) {
        Matcher m = p.matcher(line);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(f.apply(m.group(1))));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
