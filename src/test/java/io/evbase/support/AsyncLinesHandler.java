package io.evbase.support;

import io.evbase.buffer.BufferChain;
import io.evbase.net.CloseReason;
import io.evbase.net.Connection;
import io.evbase.net.Reply;
import io.evbase.protocol.LineFramer;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test protocol with replies answered now and later, one request per line, each reply a line:
 * <ul>
 *   <li>{@code now <tag>} → {@code <tag>} at once;</li>
 *   <li>{@code slow <millis> <tag>} → {@code <tag>} after blocking work of {@code millis} ms off the loop
 *       ({@code Connection.replyBlocking});</li>
 *   <li>{@code wait <tag>} → {@code <tag>} when the test completes {@link #pending}{@code .get(tag)} from its own
 *       thread ({@code Connection.replyLater});</li>
 *   <li>{@code fail <tag>} → blocking work that throws; the session's hook answers {@code failed <tag>};</li>
 *   <li>{@code big <n> <tag>} → {@code n} zero bytes, then {@code <tag>}, at once.</li>
 * </ul>
 * The handler records the most requests in flight it saw and the half-close callbacks; with {@code deferClose}
 * the session keeps a half-closed connection open the first time it is told.
 *
 * <p>Threading: sessions run on their loops; the shared maps and counters are thread-safe.
 */
public final class AsyncLinesHandler implements ProtocolHandler<AsyncLinesHandler.AsyncSession> {

    private static final LineFramer LINES = new LineFramer(1024);

    /** Replies promised by {@code wait} requests, by tag. */
    public final Map<String, Reply> pending = new ConcurrentHashMap<>();
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    public final AtomicInteger inputClosedCalls = new AtomicInteger();
    public final AtomicInteger drainCalls = new AtomicInteger();
    public final Map<Long, CloseReason> closes = new ConcurrentHashMap<>();
    private final boolean deferClose;

    public AsyncLinesHandler() {
        this(false);
    }

    public AsyncLinesHandler(boolean deferClose) {
        this.deferClose = deferClose;
    }

    @Override
    public AsyncSession open(Connection connection) {
        return new AsyncSession(connection);
    }

    /** One connection's state. Threading: its loop only. */
    public final class AsyncSession implements Session {

        private final Connection c;

        AsyncSession(Connection c) {
            this.c = c;
        }

        @Override
        public void onRead() {
            BufferChain in = c.input();
            while (c.isWritable()) {
                int lf = LINES.findLineEnd(in);
                if (lf == LineFramer.TOO_LONG) {
                    c.output().writeAscii("too long\n");
                    c.close();
                    return;
                }
                if (lf < 0) {
                    return;
                }
                String[] words = in.toAscii(0, LineFramer.contentLength(in, lf)).split(" ");
                in.skip(lf + 1);
                requests.incrementAndGet();
                serve(words);
                maxInFlight.accumulateAndGet(c.requestsInFlight(), Math::max);
            }
        }

        private void serve(String[] w) {
            String tag = w[w.length - 1] + "\n";
            switch (w[0]) {
                case "now" -> c.output().writeAscii(tag);
                case "slow" -> c.replyBlocking(() -> {
                    Thread.sleep(Long.parseLong(w[1])); // the blocking work itself, off the loop
                    return tag;
                }, (text, out) -> out.writeAscii(text));
                case "wait" -> pending.put(w[1], c.replyLater());
                case "fail" -> c.replyBlocking(() -> {
                    throw new IllegalStateException(w[1]);
                }, (text, out) -> out.writeAscii("unexpected\n"));
                case "big" -> c.output().write(new byte[Integer.parseInt(w[1])]).writeAscii(tag);
                default -> c.output().writeAscii("unknown\n");
            }
        }

        @Override
        public void onReplyFailed(Throwable cause, BufferChain out) {
            out.write("failed ".getBytes(StandardCharsets.US_ASCII)).writeAscii(cause.getMessage() + "\n");
        }

        @Override
        public boolean onInputClosed() {
            return inputClosedCalls.incrementAndGet() > 1 || !deferClose;
        }

        @Override
        public void onDrainBegun() {
            drainCalls.incrementAndGet();
        }

        @Override
        public void onClose(CloseReason reason) {
            closes.put(c.id(), reason);
        }
    }
}
