package io.evbase.hardening;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The mutation fuzzer shared by the fuzz tests: a seeded {@link Random}, a corpus of valid requests, and mutations
 * that byte-oriented protocol parsers get wrong (bit flips, inserted and deleted bytes, duplicated and spliced
 * pieces, stray CR, LF and NUL, long runs, huge and negative numbers, truncation). Also random write splits.
 *
 * <p>The number of generated inputs comes from the system property {@code evbase.fuzz.inputs} (the {@code fuzz}
 * Maven profile sets it to 1,000,000); without it each test uses its own smaller default.
 *
 * <p>Threading: one instance per thread.
 */
final class Fuzz {

    static final String INPUTS_PROPERTY = "evbase.fuzz.inputs";

    private static final byte[][] TOKENS = bytes("\r", "\n", "\r\n", "\0", " ", "  ", "\t", "noreply",
            "18446744073709551615", "18446744073709551616", "-1", "4294967296", "99999999999999999999999", "0",
            "\u00ff", "\r\n\r\n", "END\r\n", "get ", "set ");

    final Random random;
    private final List<byte[]> corpus;

    Fuzz(long seed, List<String> corpus) {
        this.random = new Random(seed);
        this.corpus = new ArrayList<>();
        for (String s : corpus) {
            this.corpus.add(s.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** The number of inputs to generate: the {@code fuzz} profile's, or {@code normalRun}. */
    static int inputs(int normalRun) {
        String configured = System.getProperty(INPUTS_PROPERTY);
        return configured == null || configured.isBlank() ? normalRun : Integer.parseInt(configured.trim());
    }

    /** A seed request, unchanged. */
    byte[] seed() {
        return corpus.get(random.nextInt(corpus.size())).clone();
    }

    /** A seed with 1 to 4 mutations, or (one time in eight) unchanged. */
    byte[] next() {
        byte[] b = seed();
        if (random.nextInt(8) == 0) {
            return b;
        }
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            b = mutate(b);
        }
        return b;
    }

    byte[] mutate(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
        int at = in.length == 0 ? 0 : random.nextInt(in.length + 1);
        switch (random.nextInt(11)) {
            case 0 -> { // flip a bit
                if (in.length == 0) {
                    return in;
                }
                byte[] b = in.clone();
                int i = random.nextInt(b.length);
                b[i] ^= (byte) (1 << random.nextInt(8));
                return b;
            }
            case 1 -> { // set a byte to anything
                if (in.length == 0) {
                    return in;
                }
                byte[] b = in.clone();
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                return b;
            }
            case 2 -> { // insert random bytes
                out.write(in, 0, at);
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    out.write(random.nextInt(256));
                }
                out.write(in, at, in.length - at);
            }
            case 3 -> { // delete a range
                int len = Math.min(in.length - at, 1 + random.nextInt(8));
                out.write(in, 0, at);
                out.write(in, at + len, in.length - at - len);
            }
            case 4 -> { // duplicate a range
                int len = Math.min(in.length - at, 1 + random.nextInt(16));
                out.write(in, 0, at + len);
                out.write(in, at, in.length - at);
            }
            case 5 -> { // insert an interesting token
                out.write(in, 0, at);
                out.writeBytes(TOKENS[random.nextInt(TOKENS.length)]);
                out.write(in, at, in.length - at);
            }
            case 6 -> { // a long run (past line and key limits now and then)
                out.write(in, 0, at);
                int len = random.nextInt(4) == 0 ? 200 + random.nextInt(2400) : 1 + random.nextInt(64);
                byte fill = random.nextBoolean() ? (byte) 'a' : (byte) random.nextInt(256);
                for (int i = 0; i < len; i++) {
                    out.write(fill);
                }
                out.write(in, at, in.length - at);
            }
            case 7 -> { // splice with another seed
                byte[] other = seed();
                int from = random.nextInt(other.length + 1);
                out.write(in, 0, at);
                out.write(other, from, other.length - from);
            }
            case 8 -> { // truncate
                out.write(in, 0, at);
            }
            case 9 -> { // replace a number-looking run with another number
                out.write(in, 0, at);
                out.writeBytes(Long.toString(random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(1 << 21))
                        .getBytes(StandardCharsets.US_ASCII));
                int skip = Math.min(in.length - at, random.nextInt(4));
                out.write(in, at + skip, in.length - at - skip);
            }
            default -> { // swap CRLF for LF or the reverse
                for (byte b : in) {
                    if (b == '\n' && random.nextBoolean()) {
                        out.write('\r');
                    }
                    if (!(b == '\r' && random.nextBoolean())) {
                        out.write(b);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /** Cut points for writing {@code length} bytes in random pieces (1 byte now and then), ascending, ending at it. */
    int[] splits(int length) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (at < length) {
            int step = switch (random.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 1 + random.nextInt(16);
                case 2 -> 1 + random.nextInt(1024);
                default -> 1 + random.nextInt(64 * 1024);
            };
            at = Math.min(length, at + step);
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Cut points for a socket: mostly segment-sized pieces, now and then a few bytes alone. */
    int[] socketSplits(int length) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (at < length) {
            int kind = random.nextInt(10);
            int step = kind == 0 ? 1 + random.nextInt(8) : kind < 7 ? 1 + random.nextInt(1500) : 1 + random.nextInt(65536);
            at = Math.min(length, at + step);
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static byte[][] bytes(String... s) {
        byte[][] b = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            b[i] = s[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return b;
    }
}
