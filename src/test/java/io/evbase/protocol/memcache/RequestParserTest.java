package io.evbase.protocol.memcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The request state machine without sockets: any split of the input gives the same replies as the whole, values
 * arrive in pieces, refused values are swallowed, line limits close, output backpressure pauses.
 */
class RequestParserTest {

    private static final String SCRIPT = "set a 5 0 3\r\nabc\r\nget a b\r\nappend a 0 0 2\r\nde\r\ngets a\r\n"
            + "incr n 1\r\nset n 0 0 2\r\n10\r\ndecr n 3\r\nmg a v f s k Oxy\r\nms m 4 T0 c\r\nwxyz\r\nmg m v\r\n"
            + "set big 0 0 200\r\n" + "v".repeat(200) + "\r\nmg big s\r\nma n D5 v\r\nmd a q\r\nmd a\r\nmn\r\n"
            + "delete m\r\nflush_all\r\nget big\r\nbogus\r\nset x 0 0 1 noreply\r\nq\r\nget x\r\n";

    private static String runWhole(String script) {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20, new ManualClock()));
        h.feed(script);
        return h.output(); // CAS values included: fresh stores fed the same commands hand out the same ones
    }

    @Test
    void everySplitGivesTheSameReplies() {
        String whole = runWhole(SCRIPT);
        assertTrue(whole.contains("VALUE a 5 3\r\nabc\r\nEND"), whole);
        byte[] bytes = SCRIPT.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 1; i < bytes.length; i++) {
            ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20, new ManualClock()));
            h.feed(Arrays.copyOfRange(bytes, 0, i));
            h.feed(Arrays.copyOfRange(bytes, i, bytes.length));
            assertEquals(whole, h.output(), "split at " + i);
        }
    }

    @Test
    void randomPiecesGiveTheSameReplies() {
        String whole = runWhole(SCRIPT);
        byte[] bytes = SCRIPT.getBytes(StandardCharsets.ISO_8859_1);
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20, new ManualClock()));
            int i = 0;
            while (i < bytes.length) {
                int n = 1 + r.nextInt(Math.min(40, bytes.length - i));
                h.feed(Arrays.copyOfRange(bytes, i, i + n));
                i += n;
            }
            assertEquals(whole, h.output(), "round " + round);
        }
    }

    @Test
    void byteAtATime() {
        String whole = runWhole(SCRIPT);
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20, new ManualClock()));
        for (byte b : SCRIPT.getBytes(StandardCharsets.ISO_8859_1)) {
            h.feed(new byte[] {b});
        }
        assertEquals(whole, h.output());
    }

    @Test
    void partialRequestsStayPending() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        assertEquals(RequestParser.Result.NEED_MORE, h.feed("set a 0 0 10\r\n01234"));
        assertTrue(h.parser.isReadingValue());
        assertEquals(0, h.in.readableBytes(), "value bytes move into the item as they arrive");
        h.feed("56789\r");
        assertEquals("", h.output());
        h.feed("\nget a\r");
        assertEquals("STORED\r\n", h.output());
        assertEquals(6, h.in.readableBytes(), "a partial line waits in the input");
        h.feed("\n");
        assertEquals("VALUE a 0 10\r\n0123456789\r\nEND\r\n", h.output());
    }

    @Test
    void tooLargeIsSwallowedWithoutAllocating() {
        MemcacheStore store = new MemcacheStore(1 << 20, 1 << 20);
        ParserHarness h = new ParserHarness(store);
        h.feed("set a 0 0 1\r\nx\r\nset a 0 0 100000000\r\n");
        assertEquals("STORED\r\nSERVER_ERROR object too large for cache\r\n", h.output());
        assertTrue(h.parser.isSwallowing());
        byte[] junk = "get a\r\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        long swallowed = 0;
        while (swallowed + junk.length <= 100_000_002L) {
            h.feed(junk);
            swallowed += junk.length;
        }
        assertEquals("", h.output(), "swallowed bytes are never parsed");
        byte[] rest = new byte[(int) (100_000_002L - swallowed)];
        h.feed(rest);
        h.feed("get a\r\n");
        assertEquals("END\r\n", h.output(), "a refused set also removes the old value, as memcached does");
        assertEquals(1, store.stats().storeTooLarge.sum());
    }

    @Test
    void longPartialLineCloses() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        assertEquals(RequestParser.Result.NEED_MORE, h.feed("set " + "x".repeat(2044)));
        assertEquals(RequestParser.Result.CLOSE, h.feed("xx"));
    }

    @Test
    void longGetLineWaitsUpToItsLimit() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20),
                new MemcacheSettings(1 << 20, 1 << 20, 64 * 1024));
        StringBuilder line = new StringBuilder("get");
        while (line.length() < 40_000) {
            line.append(" k").append(line.length());
        }
        assertEquals(RequestParser.Result.NEED_MORE, h.feed(line.toString()));
        assertEquals(RequestParser.Result.NEED_MORE, h.feed("\r\n"));
        assertEquals("END\r\n", h.output());
        assertEquals(RequestParser.Result.CLOSE, h.feed("get " + "y ".repeat(40_000)));
    }

    @Test
    void lineBeyondReadBufferCloses() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        assertEquals(RequestParser.Result.CLOSE, h.feed("set " + "x".repeat(17_000) + " 0 0 1\r\n"));
        ParserHarness ok = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        ok.feed("set " + "x".repeat(3_000) + " 0 0 1\r\n");
        assertEquals("CLIENT_ERROR bad command line format\r\n", ok.output());
    }

    @Test
    void aLongLineLeavesNoLargeScratchBehind() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        h.feed("get" + " k".repeat(5000) + "\r\n");
        assertEquals("END\r\n", h.output());
        assertTrue(h.parser.scratchCapacity() <= RequestParser.MAX_PARTIAL_LINE);
        h.feed("get" + " key".repeat(400) + "\r\n");
        assertEquals("END\r\n", h.output());
        assertTrue(h.parser.scratchCapacity() <= RequestParser.MAX_PARTIAL_LINE);
    }

    @Test
    void quitStopsParsing() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        assertEquals(RequestParser.Result.QUIT, h.feed("version\r\nquit\r\nget a\r\n"));
        assertEquals("VERSION " + MemcacheHandler.VERSION + "\r\n", h.output());
    }

    @Test
    void pausesWhileUnwritableAndResumes() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        h.writable = false;
        assertEquals(RequestParser.Result.PAUSED, h.feed("version\r\nmn\r\n"));
        assertEquals("", h.output());
        h.writable = true;
        assertEquals(RequestParser.Result.NEED_MORE, h.feed(new byte[0]));
        assertEquals("VERSION " + MemcacheHandler.VERSION + "\r\nMN\r\n", h.output());
    }

    @Test
    void statsConnsSuspendsUntilItsReply() {
        ParserHarness h = new ParserHarness(new MemcacheStore(1 << 20, 1 << 20));
        h.feed("stats conns\r\nmn\r\n");
        assertEquals("END\r\n", h.output(), "no server: an empty list, and mn waits behind it");
        h.feed(new byte[0]);
        assertEquals("MN\r\n", h.output());
    }

    @Test
    void tokenizerMatchesMemcached() {
        Tokenizer t = new Tokenizer();
        byte[] line = "  get  a b ".getBytes(StandardCharsets.US_ASCII);
        assertEquals(4, t.tokenize(line, 0, line.length));
        assertEquals(-1, t.rest);
        StringBuilder many = new StringBuilder("get");
        for (int i = 0; i < 30; i++) {
            many.append(' ').append(i);
        }
        byte[] m = many.toString().getBytes(StandardCharsets.US_ASCII);
        assertEquals(Tokenizer.MAX_TOKENS, t.tokenize(m, 0, m.length));
        assertEquals("22 23 24 25 26 27 28 29", new String(m, t.rest, m.length - t.rest, StandardCharsets.US_ASCII));
    }

    @Test
    void numbersParseAsCDoes() {
        StrtolParser n = new StrtolParser();
        assertTrue(n.strtoul32(b("4294967296"), 0, 10));
        assertEquals(0, n.value);
        assertTrue(n.strtol32(b("4294967297"), 0, 10));
        assertEquals(1, n.value);
        assertTrue(!n.strtoull(b("-1"), 0, 2));
        assertTrue(n.strtoull(b("18446744073709551615"), 0, 20));
        assertEquals(-1L, n.value);
        assertTrue(!n.strtoull(b("18446744073709551616"), 0, 20));
        assertTrue(n.strtol32(b("\t-5"), 0, 3));
        assertEquals(-5, n.value);
        assertTrue(!n.strtol32(b("5x"), 0, 2));
        assertTrue(n.strtol32(b("5\t"), 0, 2));
        assertTrue(!n.strtol32(b("9223372036854775808"), 0, 19));
        assertTrue(n.strtol32(b("-9223372036854775808"), 0, 20));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
