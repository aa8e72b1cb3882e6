package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import io.evbase.protocol.LineFramer;
import io.evbase.support.Figures;
import java.io.ByteArrayOutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Through the parser alone: the line framing of the line protocols ({@link LineFramer} over a
 * {@link BufferChain} of small pooled chunks, the request/reply logic of {@link RequestReplyHandler}) against
 * {@link LineModel}, for generated and mutated inputs split at random places. No exception, the exact replies,
 * an error for every line too long, and every chunk back in the pool.
 */
class LineParserFuzzTest {

    private static final int MAX_LINE = 64;
    private static final List<String> CORPUS = List.of("hello\n", "hello\r\n", "get key\r\n", "\n", "\r\n",
            "set k 0 0 5\r\nvalue\r\n", "a b c d e f g\n", "x".repeat(63) + "\n", "x".repeat(62) + "\r\n",
            "line one\nline two\nline three\n", "no newline at all");

    /** Feeds {@code input} in the given pieces and returns the replies; checks that the pool is empty after. */
    static byte[] run(byte[] input, int[] cuts, int chunkSize) {
        BufferPool pool = new BufferPool(chunkSize, 4L * chunkSize, 16L * chunkSize);
        BufferPool.Cache cache = pool.newCache("fuzz");
        BufferChain in = new BufferChain(cache);
        BufferChain out = new BufferChain(cache);
        LineFramer lines = new LineFramer(MAX_LINE);
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        int from = 0;
        boolean open = true;
        for (int cut : cuts) {
            in.write(input, from, cut - from);
            from = cut;
            open = RequestReplyHandler.answer(lines, in, out, () -> true);
            replies.writeBytes(out.readBytes((int) out.readableBytes()));
            if (!open) {
                break;
            }
        }
        in.clear();
        out.clear();
        if (pool.inUseBytes() != 0) {
            throw new AssertionError("chunks left in use: " + pool.inUseBytes());
        }
        return replies.toByteArray();
    }

    @Property
    void anySplitOfAnyInputGetsExactlyTheModelsReplies(@ForAll("streams") byte[] input,
            @ForAll @Size(max = 40) List<@IntRange(min = 1, max = 200) Integer> steps,
            @ForAll @IntRange(min = 64, max = 256) int chunkSize) {
        int[] cuts = cuts(input.length, steps);
        assertThat(run(input, cuts, chunkSize)).isEqualTo(LineModel.expected(input, MAX_LINE).replies());
    }

    /** Lines of every length around the maximum (and far past it), with LF, CRLF, a stray CR or no terminator. */
    @Provide
    Arbitrary<byte[]> streams() {
        Arbitrary<Byte> content = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of((byte) 'a', (byte) 'b', (byte) ' ')),
                net.jqwik.api.Tuple.of(1, Arbitraries.of((byte) '\r')),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().filter(b -> b != '\n')));
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 8)),
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(MAX_LINE - 3, MAX_LINE + 1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(MAX_LINE, 3 * MAX_LINE)));
        Arbitrary<String> terminator = Arbitraries.of("\n", "\n", "\r\n", "\r\n", "\r", "");
        Arbitrary<byte[]> line = net.jqwik.api.Combinators.combine(length, terminator).flatAs((n, t) ->
                content.array(byte[].class).ofSize(n).map(b -> {
                    byte[] end = t.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    byte[] all = java.util.Arrays.copyOf(b, b.length + end.length);
                    System.arraycopy(end, 0, all, b.length, end.length);
                    return all;
                }));
        return line.list().ofMaxSize(8).map(lines -> {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            lines.forEach(all::writeBytes);
            return all.toByteArray();
        });
    }

    @Test
    void mutationFuzzer() {
        int inputs = Fuzz.inputs(50_000);
        Fuzz fuzz = new Fuzz(0xEB_A5E1L, CORPUS);
        long bytes = 0;
        long tooLong = 0;
        long requests = 0;
        long start = System.nanoTime();
        for (int i = 0; i < inputs; i++) {
            byte[] input = fuzz.next();
            int[] cuts = fuzz.splits(input.length);
            LineModel.Expected expected = LineModel.expected(input, MAX_LINE);
            byte[] got = run(input, cuts, 64 + fuzz.random.nextInt(193));
            if (!java.util.Arrays.equals(got, expected.replies())) {
                throw new AssertionError("input #" + i + " " + printable(input) + " split " + java.util.Arrays.toString(cuts)
                        + ": expected " + printable(expected.replies()) + " got " + printable(got));
            }
            bytes += input.length;
            requests += expected.requests();
            tooLong += expected.serverCloses() ? 1 : 0;
        }
        Figures.print("7 fuzz, line parser alone",
                "%,d mutated inputs (%,d bytes, %,d requests, %,d lines too long) in random splits over 64..256-byte"
                        + " chunks in %d ms: 0 exceptions, 0 differences from the model, 0 chunks leaked",
                inputs, bytes, requests, tooLong, (System.nanoTime() - start) / 1_000_000);
    }

    static int[] cuts(int length, List<Integer> steps) {
        int[] cuts = new int[steps.size() + 1];
        int at = 0;
        int n = 0;
        for (int step : steps) {
            at = Math.min(length, at + step);
            cuts[n++] = at;
        }
        cuts[n++] = length;
        return java.util.Arrays.copyOf(cuts, n);
    }

    static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < Math.min(b.length, 300); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append(b.length > 300 ? "...'" : "'").toString();
    }
}
