package io.evbase.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.Clients;
import io.evbase.support.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's {@code upper} example, as written there (the test checks the README holds this very code): UTF-8
 * whatever the packets, case mapping without the default locale, an over-long line answered and closed.
 */
class UpperExampleTest {

    // README:begin
    ProtocolHandler<Session> upper() {
        return c -> {
            Utf8LineFramer lines = new Utf8LineFramer(4096); // one per connection: it keeps its search state
            return () -> {
                while (c.isWritable()) {
                    long n = lines.frameLength(c.input());
                    if (n == Framer.TOO_LONG) {
                        c.output().writeUtf8("ERROR line too long\n");
                        c.close();
                        return;
                    }
                    if (n < 0) {
                        return; // the rest of the line has not arrived yet
                    }
                    String line = lines.readLine(c.input(), n);
                    c.output().writeUtf8(line.toUpperCase(Locale.ROOT)).write((byte) '\n');
                }
            };
        };
    }
    // README:end

    @Test
    void theReadmeShowsThisCode() throws IOException {
        List<String> source = Files.readAllLines(Path.of("src/test/java/io/evbase/protocol/UpperExampleTest.java"));
        String example = source.subList(source.indexOf("    // README:begin") + 1, source.indexOf("    // README:end"))
                .stream().map(l -> l.startsWith("    ") ? l.substring(4) : l).collect(Collectors.joining("\n"));
        assertThat(Files.readString(Path.of("README.md"))).contains("@Bean\n" + example + "\n```");
    }

    @Test
    void upperCasesUtf8LinesWhateverThePacketsAndTheDefaultLocale() throws Exception {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr")); // "hi".toUpperCase() would give "Hİ" here
        try (TestServer ts = TestServer.start("upper", upper(), l -> l); Socket s = Clients.connect(ts.port)) {
            OutputStream out = s.getOutputStream();
            for (byte b : "hello wörld\nhi\n".getBytes(StandardCharsets.UTF_8)) {
                out.write(b); // one byte per packet: 'ö' arrives in two halves
                out.flush();
            }
            byte[] expected = "HELLO WÖRLD\nHI\n".getBytes(StandardCharsets.UTF_8);
            assertThat(new String(Clients.readN(s.getInputStream(), expected.length), StandardCharsets.UTF_8))
                    .isEqualTo("HELLO WÖRLD\nHI\n");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void aLineOverTheMaximumIsAnsweredThenClosed() throws Exception {
        try (TestServer ts = TestServer.start("upper", upper(), l -> l); Socket s = Clients.connect(ts.port)) {
            s.getOutputStream().write("x".repeat(5000).getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(Clients.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII))
                    .isEqualTo("ERROR line too long\n");
        }
    }
}
