package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;
import io.evbase.net.CloseReason;
import io.evbase.net.Connection;
import io.evbase.net.ConnectionHandle;
import io.evbase.protocol.ProtocolHandler;
import io.evbase.protocol.Session;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The memcached-compatible cache as an evbase protocol: memcached 1.6's text protocol (classic and meta commands)
 * over a {@link MemcacheStore} shared by every loop.
 *
 * <p>Each connection gets a {@link MemcacheSession}, which owns a {@link RequestParser} (the state machine) that
 * feeds a {@link CommandProcessor} (the commands). Its {@code onRead} handles every complete request in the input and writes
 * the replies to the output, which the connection sends in one write after the callback, so pipelined requests
 * get batched replies. It stops while the connection is unwritable (the peer does not read), also in the middle of
 * a multiget's reply, and goes on when the connection turns writable again or, when the flush after the callback
 * already brought the output under the watermark, from a task it posts to the loop.
 *
 * <p>Threading: one instance serves all connections on all loops; per-connection state lives in the session and
 * is touched only on that connection's loop; the store and counters are thread-safe.
 */
public final class MemcacheHandler implements ProtocolHandler<MemcacheHandler.MemcacheSession> {

    /**
     * The memcached version whose behaviour this handler reproduces (verified against that binary). Tools read it:
     * libmemcached's memcapable expects 1.6 semantics from a version starting with 1.6.
     */
    public static final String VERSION = "1.6.18";
    /** How often a connection whose output refers to stored values gives back what it has written meanwhile. */
    private static final long REFERENCE_CHECK_MILLIS = 50;
    private static final byte[] TOO_MANY = "ERROR Too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);

    private final MemcacheContext ctx;

    /**
     * A handler with its own store built from {@code settings}.
     *
     * @throws MemoryLimitExceedsHeapException when the memory limit exceeds half of this JVM's maximum heap
     */
    public MemcacheHandler(MemcacheSettings settings, ServerStatsSource source) {
        this(new MemcacheStore(settings.checkHeap(Runtime.getRuntime().maxMemory()).memoryLimit(),
                settings.maxItemSize()), settings, source);
    }

    public MemcacheHandler(MemcacheStore store, MemcacheSettings settings, ServerStatsSource source) {
        this.ctx = new MemcacheContext(store, settings, source);
    }

    /** Defaults (64 MB, 1 MB items) and no server figures. */
    public MemcacheHandler() {
        this(MemcacheSettings.defaults(), ServerStatsSource.NONE);
    }

    public MemcacheStore store() {
        return ctx.store();
    }

    public MemcacheStats stats() {
        return ctx.store().stats();
    }

    @Override
    public MemcacheSession open(Connection connection) {
        MemcacheStats s = stats();
        s.currConnections.increment();
        s.totalConnections.increment();
        return new MemcacheSession(connection);
    }

    @Override
    public byte[] tooManyConnectionsReply() {
        return TOO_MANY.clone(); // memcached's refusal
    }

    /** One connection's protocol state. Threading: its connection's loop thread only. */
    public final class MemcacheSession implements Session, StatsReporter.Async, BooleanSupplier {

        private final Connection connection;
        private final CommandProcessor commands;
        private final RequestParser parser;
        /** A task to go on after a pause is posted and has not run yet. */
        private boolean resumePosted;
        /** The last drive stopped because the output was full. */
        private boolean paused;
        /** A look at the references the output still holds is scheduled. */
        private boolean referenceCheck;
        private long readSeen;
        private long writtenSeen;

        MemcacheSession(Connection connection) {
            this.connection = connection;
            this.commands = new CommandProcessor(ctx, connection.output(), this, connection::bytesWritten);
            this.parser = commands.newParser();
        }

        @Override
        public void onRead() {
            drive();
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (writable && paused) {
                resumeLater(); // a reply in progress goes on even when no input is waiting
            }
        }

        @Override
        public void onClose(CloseReason reason) {
            account();
            commands.close(); // a value still arriving gives its charge back
            stats().currConnections.decrement();
        }

        void drive() {
            RequestParser.Result r = parser.process(connection.input(), this);
            if (r == RequestParser.Result.QUIT) {
                connection.close();
            } else if (r == RequestParser.Result.CLOSE) {
                connection.abort();
            }
            paused = r == RequestParser.Result.PAUSED;
            if (paused) {
                // The flush after this callback may bring the output under the high watermark without it ever
                // having been marked unwritable: then no writability change will call back. Look again after it.
                resumeLater();
            }
            syncReferencesLater();
            // A value being received (or swallowed) has left the input: the read timeout must still see it.
            connection.requestInProgress(parser.isMidRequest());
            account();
        }

        /**
         * Goes on after a pause from a task on the loop, which runs after the flush that follows the current
         * callback: producing more here, before that flush, could leave output that the flush brings under the
         * watermark without a writability change, and then nothing would call back. The task stops (posting
         * nothing) while the connection is unwritable; the change back to writable posts it again.
         */
        void resumeLater() {
            if (resumePosted) {
                return;
            }
            resumePosted = true;
            connection.handle().execute(c -> {
                resumePosted = false;
                if (c.isWritable()) {
                    drive(); // the handle flushes after it
                }
            });
        }

        /**
         * Values the output refers to are counted by the store until written: gives back those written since the
         * last look and, while some remain, looks again a little later (the socket drains without calling back).
         */
        void syncReferencesLater() {
            if (commands.syncReferences() == 0 || referenceCheck) {
                return;
            }
            referenceCheck = true;
            ConnectionHandle handle = connection.handle();
            connection.loop().schedule(() -> handle.execute(c -> {
                referenceCheck = false;
                syncReferencesLater();
            }), REFERENCE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }

        /** Whether the parser may go on: the connection takes more output (the parser's continue test). */
        @Override
        public boolean getAsBoolean() {
            return connection.isWritable();
        }

        /** Adds the connection's byte counts since the last look to the shared totals. */
        void account() {
            long read = connection.bytesRead();
            long written = connection.bytesWritten();
            MemcacheStats s = stats();
            if (read > readSeen) {
                s.bytesRead.add(read - readSeen);
                readSeen = read;
            }
            if (written > writtenSeen) {
                s.bytesWritten.add(written - writtenSeen);
                writtenSeen = written;
            }
        }

        /** The reply keeps its place in the connection's order; the parser waits for it, then goes on. */
        @Override
        public void replyLater(CompletableFuture<String> reply) {
            connection.replyWhen(reply, (text, out) -> {
                out.writeAscii(text);
                resume();
            });
        }

        @Override
        public void onReplyFailed(Throwable cause, BufferChain out) {
            out.writeAscii("SERVER_ERROR " + cause.getClass().getSimpleName() + "\r\n");
            resume();
        }

        private void resume() {
            parser.resume();
            drive();
        }
    }
}
