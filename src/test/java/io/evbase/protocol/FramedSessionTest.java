package io.evbase.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.buffer.BufferChain;
import io.evbase.support.Clients;
import io.evbase.support.TestServer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link FramedSession} over a real socket: u32 length-prefixed frames in and out, replies in request order whether
 * answered now, after blocking work or from a future, and every refusal answered in its place, then the close.
 */
class FramedSessionTest {

    /** The future a {@code w} frame waits for; the test completes it. */
    private final CompletableFuture<String> later = new CompletableFuture<>();

    /**
     * Frames: {@code n<text>} answers {@code text} now; {@code s<text>} after blocking work; {@code w} when
     * {@link #later} completes; {@code x} is refused; {@code f} is blocking work that fails; {@code r<u16>} reads a
     * field the frame may not have.
     */
    private ProtocolHandler<FramedSession> handler() {
        return FramedSession.handler(() -> LengthFieldFramer.lengthPrefixed(4, 64), this::serve,
                (message, out) -> out.write((byte) 'E').writeUtf8(message));
    }

    private void serve(BufferChain frame, FramedSession.Replies replies) throws Exception {
        byte op = frame.readByte();
        String rest = frame.readUtf8((int) frame.readableBytes());
        switch (op) {
            case 'n' -> replies.send(rest.getBytes(StandardCharsets.UTF_8));
            case 's' -> replies.blocking(() -> {
                Thread.sleep(100); // the blocking work, off the loop
                return rest;
            }, (text, out) -> out.writeUtf8(text));
            case 'w' -> replies.when(later, (text, out) -> out.writeUtf8(text));
            case 'x' -> throw new IllegalArgumentException("x is refused");
            case 'f' -> replies.blocking(() -> {
                throw new IllegalStateException("the work failed");
            }, (text, out) -> out.writeUtf8("unreachable"));
            default -> throw new IllegalArgumentException("unknown op");
        }
    }

    @Test
    void repliesComeBackInRequestOrderWhateverAnswersThem() throws Exception {
        try (TestServer ts = TestServer.start("framed", handler(), l -> l); Socket s = Clients.connect(ts.port)) {
            send(s, "nA", "sB", "wC", "nD", "sE");
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(reply(in)).isEqualTo("A");
            assertThat(reply(in)).isEqualTo("B");
            later.complete("C");
            assertThat(List.of(reply(in), reply(in), reply(in))).containsExactly("C", "D", "E");
        }
    }

    @Test
    void aRefusedFrameIsAnsweredInItsPlaceThenTheConnectionCloses() throws Exception {
        String[][] cases = {{"x", "Ex is refused"}, {"", "Eframe too short"}};
        for (String[] c : cases) {
            try (TestServer ts = TestServer.start("framed", handler(), l -> l);
                    Socket s = Clients.connect(ts.port)) {
                send(s, "sslow first", c[0], "nnever served");
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertThat(replies(in)).as("after %s", c[0]).containsExactly("slow first", c[1]);
            }
        }
    }

    @Test
    void workThatFailsIsAnsweredWithTheErrorInItsPlaceThenTheConnectionCloses() throws Exception {
        try (TestServer ts = TestServer.start("framed", handler(), l -> l); Socket s = Clients.connect(ts.port)) {
            send(s, "nA", "f", "nserved before the failure was known");
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(replies(in)).containsExactly("A", "Ethe work failed", "served before the failure was known");
        }
    }

    @Test
    void aFrameOverTheMaximumIsRefusedFromItsLengthFieldAlone() throws Exception {
        try (TestServer ts = TestServer.start("framed", handler(), l -> l); Socket s = Clients.connect(ts.port)) {
            s.getOutputStream().write(ByteBuffer.allocate(4).putInt(Integer.MIN_VALUE).array()); // 2 GiB, no body
            assertThat(replies(new DataInputStream(s.getInputStream()))).containsExactly("Eframe too long");
        }
    }

    private static void send(Socket s, String... frames) throws IOException {
        List<Byte> bytes = new ArrayList<>();
        for (String f : frames) {
            byte[] body = f.getBytes(StandardCharsets.UTF_8);
            for (byte b : ByteBuffer.allocate(4).putInt(body.length).array()) {
                bytes.add(b);
            }
            for (byte b : body) {
                bytes.add(b);
            }
        }
        byte[] all = new byte[bytes.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = bytes.get(i);
        }
        s.getOutputStream().write(all);
    }

    private static String reply(DataInputStream in) throws IOException {
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Every reply until the server closes. */
    private static List<String> replies(DataInputStream in) throws IOException {
        List<String> all = new ArrayList<>();
        while (true) {
            try {
                all.add(reply(in));
            } catch (EOFException end) {
                return all;
            }
        }
    }
}
