package io.evbase.protocol.memcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access control against the real memcached 1.6.18 started with {@code -Y <auth file> -F}: ASCII authentication
 * and the disabled {@code flush_all} answer byte for byte as memcached does, sent whole (and some a byte per write). Each
 * step is one request whose replies are read before the next is sent: memcached answers only the last of several
 * requests pipelined in one read before authentication (its responses overwrite one another), which evbase does
 * not reproduce (it answers each). The switches memcached has no counterpart for are checked on their own.
 */
class AccessControlTest {

    @TempDir
    static Path dir;
    private static RealMemcached memcached;
    private static MemcacheTestServer evbase;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "user1:pw1\nalice:s3cret x\r\n:empty\n", StandardCharsets.ISO_8859_1);
        memcached = RealMemcached.start(64, "-Y", file.toString(), "-F");
        MemcacheAccess access = new MemcacheAccess(AuthFile.load(file), false, true, true, true);
        evbase = new MemcacheTestServer(new MemcacheSettings(64L << 20, 1 << 20, 512 * 1024, access), 0);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (memcached != null) {
                memcached.close();
            }
        } finally {
            if (evbase != null) {
                evbase.close();
            }
        }
    }

    private static final String AUTH = "set a 0 0 9\r\nuser1 pw1\r\n";

    private static final String[][] CASES = {
        {"commands before authentication", "get a\r\n", "version\r\n", "quit\r\n", "mg a v\r\n", "stats\r\n", "\r\n",
            "flush_all\r\n", "set\r\n", "set a 0 0\r\n", "set a 0 0 x\r\n", "set a 0 0 -1\r\n", "add a 0 0 9\r\n",
            "get a\r\n"},
        {"wrong password, then right", "set a 0 0 9\r\nuser1 pwX\r\n", "get a\r\n", AUTH, "get a\r\n",
            "set a 0 0 1\r\nx\r\n", "get a\r\n"},
        {"unknown user", "set k 0 0 9\r\nuserX pw1\r\n", "get k\r\n"},
        {"password with a space, CRLF in the file", "set k 1 2 14\r\nalice s3cret x\r\n", "get k\r\n"},
        {"empty user or password", "set k 0 0 6\r\n empty\r\n", "set k 0 0 6\r\nempty \r\n", "get k\r\n"},
        {"extra tokens", "set k 0 0 15\r\nuser1 pw1 extra\r\n", "version\r\n"},
        {"bad termination", "set k 0 0 3\r\nabcXY", "get k\r\n", AUTH, "version\r\n"},
        {"one token", "set k 0 0 4\r\nuser\r\n", "get k\r\n"},
        {"empty data", "set k 0 0 0\r\n\r\n", "get k\r\n"},
        {"NUL in the data", "set k 0 0 10\r\nuser1 p\0w1\r\n", "get k\r\n", "set k 0 0 9\r\nuser1\0pw1\r\n",
            "get k\r\n"},
        {"key, flags and exptime are ignored", "set whatever 99 -5 9 noreply\r\nuser1 pw1\r\n", "get whatever\r\n"},
        {"truncated numbers", "set k 0 0 4294967305\r\nuser1 pw1\r\n", "get k\r\n"},
        {"a long partial line closes, get too", "get " + "k ".repeat(1100)},
        {"a long partial line closes", "set " + "k".repeat(2100)},
        {"flush_all disabled", AUTH, "flush_all\r\n", "flush_all 0\r\n", "flush_all noreply\r\n",
            "flush_all x\r\n", "flush_all 1 2 3\r\n", "flush_all x noreply\r\n", "version\r\n"},
    };

    /** The cases also sent a byte per write (each step waits for quiet, so all of them would take long). */
    private static final java.util.Set<String> DRIBBLED = java.util.Set.of("wrong password, then right",
            "bad termination", "NUL in the data", "flush_all disabled", "commands before authentication");

    private static String run(int port, String[] c, boolean dribble) throws Exception {
        StringBuilder all = new StringBuilder();
        try (WireClient w = new WireClient(port)) {
            for (int i = 1; i < c.length; i++) {
                byte[] bytes = c[i].getBytes(StandardCharsets.ISO_8859_1);
                if (dribble) {
                    w.dribble(bytes, 1);
                } else {
                    w.send(bytes);
                }
                all.append(new String(w.drain(150), StandardCharsets.ISO_8859_1).replace("VERSION 1.6.18", "VERSION"))
                        .append(" | ");
            }
        }
        return all.toString();
    }

    @TestFactory
    Stream<DynamicTest> authenticationAndFlushAnswerAsMemcachedDoes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : CASES) {
            boolean[] modes = DRIBBLED.contains(c[0]) ? new boolean[] {false, true} : new boolean[] {false};
            for (boolean dribble : modes) {
                tests.add(DynamicTest.dynamicTest(c[0] + (dribble ? " [dribble]" : " [whole]"), () -> {
                    String expected = run(memcached.port, c, dribble);
                    String actual = run(evbase.port(), c, dribble);
                    assertEquals(expected.replace("\r\n", "\\r\\n\n"), actual.replace("\r\n", "\\r\\n\n"));
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void authenticationIsCounted() throws Exception {
        MemcacheStats stats = evbase.handler.stats();
        long cmds = stats.authCmds.sum();
        long errors = stats.authErrors.sum();
        try (WireClient w = new WireClient(evbase.port())) {
            w.send("set a 0 0 9\r\nuser1 bad\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(w.drain(100), StandardCharsets.US_ASCII)).isEqualTo("CLIENT_ERROR authentication failure\r\n");
            w.send(AUTH.getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(w.drain(100), StandardCharsets.US_ASCII)).isEqualTo("STORED\r\n");
            w.send("stats settings\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(w.drain(100), StandardCharsets.US_ASCII))
                    .contains("STAT auth_enabled_ascii " + dir.resolve("users") + "\r\n")
                    .contains("STAT flush_enabled no\r\n");
        }
        assertThat(stats.authCmds.sum() - cmds).isEqualTo(2);
        assertThat(stats.authErrors.sum() - errors).isEqualTo(1);
    }

    @Test
    void aDeclaredAuthenticationBlockBeyondTheReadBufferClosesWithoutAllocating() throws Exception {
        try (WireClient w = new WireClient(evbase.port())) {
            w.send("set a 0 0 1000000000\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(w.drain(200), StandardCharsets.US_ASCII)).isEqualTo(WireClient.CLOSED);
        }
    }

    @Test
    void eachAdministrativeFamilyHasItsSwitch() {
        MemcacheAccess closed = new MemcacheAccess(null, false, false, false, false);
        ParserHarness h = new ParserHarness(new MemcacheStore(64L << 20, 1 << 20),
                new MemcacheSettings(64L << 20, 1 << 20, 512 * 1024, closed));
        h.feed("set k 0 0 1\r\nx\r\nflush_all\r\ncache_memlimit 100\r\nverbosity 1\r\nstats reset\r\nstats detail on\r\n"
                + "stats detail dump\r\nverbosity 1 noreply\r\ncache_memlimit 100 noreply\r\nget k\r\n");
        assertThat(h.output()).isEqualTo("STORED\r\nCLIENT_ERROR flush_all not allowed\r\n"
                + "CLIENT_ERROR cache_memlimit not allowed\r\nCLIENT_ERROR verbosity not allowed\r\n"
                + "CLIENT_ERROR stats reset not allowed\r\nCLIENT_ERROR stats detail not allowed\r\n"
                + "CLIENT_ERROR stats detail not allowed\r\nVALUE k 0 1\r\nx\r\nEND\r\n");
        assertThat(h.processor.store.memoryLimit()).isEqualTo(64L << 20);
        ParserHarness open = new ParserHarness(new MemcacheStore(64L << 20, 1 << 20));
        open.feed("cache_memlimit 100\r\nverbosity 1\r\nstats reset\r\nstats detail on\r\nflush_all\r\n");
        assertThat(open.output()).isEqualTo("OK\r\nOK\r\nRESET\r\nOK\r\nOK\r\n");
    }

    @Test
    void authFileLinesAreUserColonPassword(@TempDir Path tmp) throws Exception {
        Path ok = Files.writeString(tmp.resolve("ok"), "a:b\n\nc:d:e\r\n");
        AuthFile f = AuthFile.load(ok);
        assertThat(f.size()).isEqualTo(2);
        byte[] probe = "c d:e".getBytes(StandardCharsets.US_ASCII);
        assertThat(f.check(probe, 0, 1, 2, 3)).as("the password runs to the end of the line").isTrue();
        Path bad = Files.writeString(tmp.resolve("bad"), "a:b\nnocolon\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuthFile.load(bad))
                .hasMessageContaining("line 2");
    }
}
