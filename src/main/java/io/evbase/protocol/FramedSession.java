package io.evbase.protocol;

import io.evbase.buffer.BufferChain;
import io.evbase.net.Connection;
import io.evbase.net.ReplyWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A ready-made session for length-prefixed binary protocols: frames in, one reply frame per request out, in request
 * order, answered at once, after blocking work off the loop, or when a future completes. The protocol writes only
 * what happens to one frame ({@link FrameHandler}) and how a refusal looks ({@link ErrorReply}); the session frames
 * the input with a {@link LengthFieldFramer}, prefixes every reply with its length the same way, and refuses what
 * cannot be served with the error reply, then closes.
 *
 * <pre>{@code
 * @Bean
 * ProtocolHandler<FramedSession> kv() {
 *     return FramedSession.handler(() -> LengthFieldFramer.lengthPrefixed(4, 1 << 20), this::serve,
 *             (message, out) -> out.write((byte) 'E').writeUtf8(message));
 * }
 *
 * void serve(BufferChain frame, FramedSession.Replies replies) {
 *     switch (frame.readByte()) {
 *         case 'S' -> { long millis = frame.readUnsignedInt(); byte[] payload = frame.readBytes(...);
 *                       replies.blocking(() -> slowWork(millis, payload), (result, out) -> out.write(result)); }
 *         ...
 *         default -> throw new IllegalArgumentException("unknown op");
 *     }
 * }
 * }</pre>
 *
 * <p>Refusals: a frame longer than the framer's maximum (refused as soon as its length field is in, before any of
 * it is held), a malformed length field, and a frame handler that reads past the end of its frame or throws
 * {@link IllegalArgumentException}: the error reply follows the replies to the frames before it, nothing after it is
 * served, then the connection closes. Blocking work or a future that fails gets the error reply in its own place in
 * the order, after which the connection closes too (frames already served behind it keep their replies). Any other
 * exception from the frame handler is a bug: the connection closes at once (counted {@code handler_error}, logged).
 *
 * <p>Threading: one session per connection, on its loop thread; {@link FrameHandler#onFrame} runs there too and must
 * not block (that is what {@link Replies#blocking} is for).
 */
public final class FramedSession implements Session {

    /** Serves one request frame. */
    @FunctionalInterface
    public interface FrameHandler {

        /**
         * Reads the request from {@code frame} (its payload, the length field stripped; released after this returns)
         * and answers it through {@code replies}, exactly once. Throw {@link IllegalArgumentException} (or read past
         * the frame's end) to refuse it.
         */
        void onFrame(BufferChain frame, Replies replies) throws Exception;
    }

    /** Writes the body of the reply that refuses a request, before the connection closes. */
    @FunctionalInterface
    public interface ErrorReply {

        /** Writes the refusal for {@code message} (what was wrong, in English) to {@code body}. */
        void write(String message, BufferChain body);
    }

    /** Writes the body of a reply frame (the session adds the length field). */
    @FunctionalInterface
    public interface Body {

        void write(BufferChain body) throws Exception;
    }

    private final Connection connection;
    private final LengthFieldFramer framer;
    private final FrameHandler frames;
    private final ErrorReply errors;
    private final Replies replies = new Replies();
    private boolean answered;

    private FramedSession(Connection connection, LengthFieldFramer framer, FrameHandler frames, ErrorReply errors) {
        this.connection = connection;
        this.framer = framer;
        this.frames = frames;
        this.errors = errors;
    }

    /**
     * A protocol handler whose connections each get a framed session: a framer of their own from {@code framers},
     * the shared {@code frames} and {@code errors}.
     */
    public static ProtocolHandler<FramedSession> handler(Supplier<LengthFieldFramer> framers, FrameHandler frames,
            ErrorReply errors) {
        return connection -> new FramedSession(connection, framers.get(), frames, errors);
    }

    @Override
    public void onRead() throws Exception {
        BufferChain in = connection.input();
        while (connection.isWritable()) {
            long length = framer.frameLength(in);
            if (length == Framer.INCOMPLETE) {
                return;
            }
            if (length < 0) {
                refuse(connection.output(), length == Framer.TOO_LONG ? "frame too long" : "bad frame header");
                return;
            }
            BufferChain frame = framer.readPayload(in, length);
            answered = false;
            try {
                frames.onFrame(frame, replies);
            } catch (IndexOutOfBoundsException e) {
                refuse(connection.output(), "frame too short");
                return;
            } catch (IllegalArgumentException e) {
                refuse(connection.output(), e.getMessage() == null ? "bad request" : e.getMessage());
                return;
            } finally {
                frame.clear();
            }
            if (!answered) {
                throw new IllegalStateException("the frame handler gave no reply to a frame");
            }
        }
    }

    /** The work behind a reply failed: the error reply takes its place, then the connection closes. */
    @Override
    public void onReplyFailed(Throwable cause, BufferChain out) {
        refuse(out, cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
    }

    private void refuse(BufferChain out, String message) {
        try {
            writeFrame(out, body -> errors.write(message, body));
        } catch (Exception e) {
            throw new IllegalStateException("the error reply failed", e);
        }
        connection.close();
    }

    private void writeFrame(BufferChain out, Body body) throws Exception {
        long field = framer.beginFrame(out);
        body.write(out);
        framer.endFrame(out, field);
    }

    /**
     * The answer to the frame being served, in request order. Exactly one method per frame; the ones that answer
     * later return at once, and the frames after it are served meanwhile, their replies waiting their turn.
     *
     * <p>Threading: the connection's loop thread, inside {@link FrameHandler#onFrame}.
     */
    public final class Replies {

        private Replies() {
        }

        /** Replies now with {@code body}. */
        public void send(byte[] body) throws Exception {
            send(out -> out.write(body));
        }

        /** Replies now with what {@code body} writes. */
        public void send(Body body) throws Exception {
            answer();
            writeFrame(connection.output(), body);
        }

        /**
         * Runs {@code work} off the loop, on the listener's blocking executor (virtual threads where the JVM has
         * them), and replies with what {@code body} writes for its result; if it throws, the error reply.
         */
        public <T> void blocking(Callable<? extends T> work, ReplyWriter<? super T> body) {
            answer();
            connection.replyBlocking(work, (value, out) -> writeFrame(out, b -> body.write(value, b)));
        }

        /** Replies when {@code result} completes, with what {@code body} writes; if it fails, the error reply. */
        public <T> void when(CompletionStage<? extends T> result, ReplyWriter<? super T> body) {
            answer();
            connection.replyWhen(result, (value, out) -> writeFrame(out, b -> body.write(value, b)));
        }

        private void answer() {
            if (answered) {
                throw new IllegalStateException("a frame gets one reply");
            }
            answered = true;
        }
    }
}
