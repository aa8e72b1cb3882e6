package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.protocol.memcache.MemcacheFuzzAccess;
import io.evbase.protocol.memcache.RequestParser;
import io.evbase.support.Figures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The memcache handler through the parser alone (its {@code RequestParser} and command
 * processor over chains of 64..256-byte chunks, on a store whose clock stands still):
 *
 * <ul>
 * <li>a mutation fuzzer: sessions of mutated requests, each run twice, in one piece and split at random places,
 * must not throw, must answer with well-formed replies only, must answer the same either way (where memcached's
 * own rules do not depend on how a line arrives: lines up to 2048 bytes), and must leave no chunk in use;</li>
 * <li>a jqwik property: a bad request of any kind memcached rejects, after valid ones, gets an error reply or a
 * close, and a request after it is answered again (the parser finds its way back).</li>
 * </ul>
 */
class MemcacheParserFuzzTest {

    static final List<String> CORPUS = List.of("set a 0 0 5\r\nhello\r\n", "add b 1 0 3\r\nxyz\r\n",
            "replace a 2 0 1\r\nz\r\n", "append a 0 0 2\r\n!!\r\n", "prepend a 0 0 2\r\n<<\r\n", "cas a 0 0 1 1\r\nq\r\n",
            "get a\r\n", "get a b n m\r\n", "gets a\r\n", "gat 100 a\r\n", "gats 0 a b\r\n", "bget a\r\n",
            "delete a\r\n", "delete b noreply\r\n", "incr n 5\r\n", "decr n 3\r\n", "set n 0 0 2\r\n10\r\n",
            "touch a 10\r\n", "flush_all 10\r\n", "version\r\n", "verbosity 1\r\n", "mn\r\n", "mg a v c f k s t\r\n",
            "mg n v q\r\n", "ms m 3 T0 F5\r\nabc\r\n", "ms a 2 MA\r\n??\r\n", "md m q\r\n", "ma n D5\r\n", "ma n MD N0\r\n",
            "me a\r\n", "set big 0 0 1000\r\n" + "B".repeat(1000) + "\r\n", "stats settings\r\n",
            "set a 0 0 5 noreply\r\nworld\r\n", "get " + "k".repeat(250) + "\r\n", "cache_memlimit 64\r\n");

    /** Runs a stream through a fresh parser in the given pieces; stops, as a server would, at a close or quit. */
    record Run(byte[] out, RequestParser.Result last) {
    }

    static Run run(byte[] stream, int[] cuts, int chunkSize) {
        MemcacheFuzzAccess p = new MemcacheFuzzAccess(chunkSize);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RequestParser.Result r = RequestParser.Result.NEED_MORE;
        int from = 0;
        for (int cut : cuts) {
            r = p.feed(stream, from, cut - from);
            from = cut;
            out.writeBytes(p.takeOutput());
            if (r == RequestParser.Result.CLOSE || r == RequestParser.Result.QUIT) {
                break;
            }
        }
        long leaked = p.release();
        if (leaked != 0) {
            throw new AssertionError(leaked + " bytes of chunks left in use");
        }
        return new Run(out.toByteArray(), r);
    }

    /** True if a line of the stream (between LFs) is longer than memcached's 2048-byte partial line limit. */
    static boolean hasLongLine(byte[] s) {
        int start = 0;
        for (int i = 0; i <= s.length; i++) {
            if (i == s.length || s[i] == '\n') {
                if (i - start > 2048) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    @Test
    void mutationFuzzer() {
        int inputs = Fuzz.inputs(30_000);
        Fuzz fuzz = new Fuzz(0x11211L, CORPUS);
        long bytes = 0;
        long sessions = 0;
        long compared = 0;
        long replies = 0;
        long errors = 0;
        long closes = 0;
        long start = System.nanoTime();
        int left = inputs;
        while (left > 0) {
            int k = Math.min(left, 1 + fuzz.random.nextInt(100));
            left -= k;
            ByteArrayOutputStream session = new ByteArrayOutputStream();
            for (int i = 0; i < k; i++) {
                session.writeBytes(fuzz.next());
            }
            byte[] stream = session.toByteArray();
            int chunk = 64 + fuzz.random.nextInt(193);
            Run whole;
            Run split;
            int[] cuts = fuzz.splits(stream.length);
            try {
                whole = run(stream, new int[] {stream.length}, chunk);
                split = run(stream, cuts, chunk);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("session " + LineParserFuzzTest.printable(stream) + " split "
                        + Arrays.toString(cuts) + ": " + e, e);
            }
            MemcacheReplies.Check a = MemcacheReplies.check(whole.out());
            MemcacheReplies.Check b = MemcacheReplies.check(split.out());
            if (a.problem() != null || b.problem() != null) {
                throw new AssertionError("session " + LineParserFuzzTest.printable(stream) + ": malformed replies: "
                        + (a.problem() != null ? a.problem() : b.problem()));
            }
            if (!hasLongLine(stream)) {
                compared++;
                if (!Arrays.equals(a.withoutStats(), b.withoutStats()) || whole.last() != split.last()) {
                    throw new AssertionError("session " + LineParserFuzzTest.printable(stream) + " split "
                            + Arrays.toString(cuts) + " answered differently:\n whole " + whole.last() + " "
                            + LineParserFuzzTest.printable(a.withoutStats()) + "\n split " + split.last() + " "
                            + LineParserFuzzTest.printable(b.withoutStats()));
                }
            }
            sessions++;
            bytes += stream.length;
            replies += a.replies();
            errors += a.errors();
            closes += whole.last() == RequestParser.Result.CLOSE ? 1 : 0;
        }
        Figures.print("7 fuzz, memcache parser alone",
                "%,d mutated inputs in %,d sessions (%,d bytes), each run whole and split at random over 64..256-byte"
                        + " chunks, in %d ms: %,d replies (%,d errors), %,d sessions closed by the server; 0"
                        + " exceptions, 0 malformed replies, %,d sessions compared whole vs split: 0 differences; 0"
                        + " chunks leaked",
                inputs, sessions, bytes, (System.nanoTime() - start) / 1_000_000, replies, errors, closes, compared);
    }

    // ---------------------------------------------------------------- bad requests: an error or a close, then back

    /** A bad request and whether memcached closes the connection for it (instead of an error reply). */
    record Bad(String kind, byte[] request, boolean closes) {
        @Override
        public String toString() {
            return kind + ": " + LineParserFuzzTest.printable(request) + (closes ? " (closes)" : "");
        }
    }

    static Bad bad(String kind, String request, boolean closes) {
        return new Bad(kind, request.getBytes(StandardCharsets.ISO_8859_1), closes);
    }

    @Provide
    static Arbitrary<Bad> badRequests() {
        Arbitrary<String> key = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> junk = Arbitraries.of("x", "1x", "abc", "0x", "--", "1.5");
        Arbitrary<String> unknownWord = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12)
                .filter(w -> !KNOWN.contains(w));
        return Arbitraries.oneOf(
                unknownWord.map(w -> bad("unknown command", w + " a b\r\n", false)),
                Arbitraries.integers().between(251, 400).map(n -> bad("key too long", "get " + "k".repeat(n) + "\r\n", false)),
                Combinators.combine(key, junk).as((k, j) -> bad("bad flags", "set " + k + " " + j + " 0 1\r\nv\r\n", false)),
                Combinators.combine(key, junk).as((k, j) -> bad("bad exptime", "set " + k + " 0 " + j + " 1\r\nv\r\n", false)),
                Combinators.combine(key, junk).as((k, j) -> bad("bad length", "set " + k + " 0 0 " + j + "\r\n", false)),
                Combinators.combine(key, Arbitraries.integers().between(1, 50)).as((k, n) ->
                        bad("bad data chunk", "set " + k + " 0 0 " + n + "\r\n" + "d".repeat(n + 3) + "\r\n", false)),
                key.map(k -> bad("too large", "set " + k + " 0 0 2000000\r\n" + "L".repeat(2_000_000) + "\r\n", false)),
                Combinators.combine(key, junk).as((k, j) -> bad("bad delta", "incr " + k + " " + j + "\r\n", false)),
                key.map(k -> bad("incr non-numeric", "set " + k + " 0 0 3\r\nabc\r\nincr " + k + " 1\r\n", false)),
                Arbitraries.of("set k 0 0\r\n", "get\r\n", "incr k\r\n", "touch k\r\n", "cas k 0 0 1\r\n")
                        .map(r -> bad("too few tokens", r, false)),
                Combinators.combine(key, Arbitraries.of("!", "~", "zz", "+", "=")).as((k, f) ->
                        bad("meta bad flag", "mg " + k + " " + f + "\r\n", false)),
                Arbitraries.integers().between(2049, 3000).map(n -> bad("line too long", "set " + "x".repeat(n), true)),
                Arbitraries.integers().between(16385, 17000).map(n -> bad("line over 16 KB", "set " + "y".repeat(n) + "\r\n", true)),
                Arbitraries.of("GET / HTTP/1.1\r\n", "POST /x HTTP/1.0\r\n").map(r -> bad("HTTP request", r, true)));
    }

    static final java.util.Set<String> KNOWN = java.util.Set.of("set", "add", "replace", "append", "prepend", "cas",
            "get", "gets", "gat", "gats", "bget", "delete", "incr", "decr", "touch", "flush_all", "version", "verbosity",
            "quit", "stats", "mg", "ms", "md", "ma", "me", "mn", "cache_memlimit", "shutdown", "slabs", "lru",
            "lru_crawler", "watch", "extstore", "misbehave", "debugtime", "mc", "mr");

    @Property(tries = 2000)
    void everyBadRequestGetsAnErrorOrACloseAndTheParserComesBack(@ForAll("badRequests") Bad bad,
            @ForAll("validPrefix") List<String> prefix) {
        MemcacheFuzzAccess p = new MemcacheFuzzAccess(128);
        for (String ok : prefix) {
            p.feed(bytes(ok), 0, ok.length());
        }
        String before = new String(p.takeOutput(), StandardCharsets.ISO_8859_1);
        assertThat(before).as("the valid prefix").doesNotContain("ERROR");
        RequestParser.Result r = p.feed(bad.request(), 0, bad.request().length);
        String answer = new String(p.takeOutput(), StandardCharsets.ISO_8859_1);
        if (bad.closes()) {
            assertThat(r).as(bad.kind()).isEqualTo(RequestParser.Result.CLOSE);
        } else {
            assertThat(r).as(bad.kind()).isNotEqualTo(RequestParser.Result.CLOSE);
            MemcacheReplies.Check c = MemcacheReplies.check(answer.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(c.problem()).isNull();
            assertThat(c.errors()).as(bad.kind() + ": error replies to " + answer).isPositive();
            p.feed(bytes("mn\r\n"), 0, 4);
            assertThat(new String(p.takeOutput(), StandardCharsets.ISO_8859_1)).as(bad.kind() + ": back in step")
                    .isEqualTo("MN\r\n");
        }
        assertThat(p.release()).isZero();
    }

    @Provide
    static Arbitrary<List<String>> validPrefix() {
        return Arbitraries.of("set a 0 0 5\r\nhello\r\n", "get a\r\n", "mn\r\n", "incr n 1\r\n", "delete q\r\n",
                "ms m 3 T0\r\nabc\r\n", "mg a v\r\n", "version\r\n").list().ofMaxSize(5);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
