package io.evbase.net.tls;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Two {@link TlsCodec}s, a client and a server, joined in memory: what one puts in its network output reaches the
 * other's network input in pieces whose sizes a test chooses (down to single bytes), with no socket. Delegated tasks
 * queue up and run when the pair is {@linkplain #pump pumped}, after the codec that asked returned, as they would
 * on an executor.
 *
 * <p>Threading: one thread (the test's) plays both loops.
 */
final class CodecPair {

    final BufferPool pool;
    final BufferPool.Cache cache;
    final TlsStaging staging = new TlsStaging();
    final Deque<Runnable> tasks = new ArrayDeque<>();
    final Side server;
    final Side client;
    /** The largest ciphertext either side held in its network output after a drive (the bound under test). */
    long maxNetworkOut;
    long maxNetworkIn;
    int tasksRun;

    CodecPair(SSLEngine serverEngine, SSLEngine clientEngine, int chunkSize) {
        pool = new BufferPool(chunkSize, 1 << 20, 64 << 20);
        cache = pool.newCache("pair");
        server = new Side(serverEngine);
        client = new Side(clientEngine);
    }

    static SSLEngine serverEngine(SSLContext ctx, String... protocols) {
        SSLEngine e = ctx.createSSLEngine();
        e.setUseClientMode(false);
        if (protocols.length > 0) {
            e.setEnabledProtocols(protocols);
        }
        return e;
    }

    static SSLEngine clientEngine(SSLContext ctx, String... protocols) {
        SSLEngine e = ctx.createSSLEngine("localhost", 443);
        e.setUseClientMode(true);
        if (protocols.length > 0) {
            e.setEnabledProtocols(protocols);
        }
        return e;
    }

    /** One end: its codec and its plaintext input and output, as a connection would hold them. */
    final class Side {
        final SSLEngine engine;
        final TlsStats stats = new TlsStats();
        final BufferChain plainIn = new BufferChain(cache);
        final BufferChain plainOut = new BufferChain(cache);
        final TlsCodec codec;
        long plainLimit = 1 << 20;
        boolean resumePending;

        Side(SSLEngine engine) {
            this.engine = engine;
            codec = new TlsCodec(engine, new BufferChain(cache), new BufferChain(cache), staging, tasks::add,
                    () -> resumePending = true, stats);
        }

        /** What the owner does after any event: resume, process input, encrypt queued output. */
        void drive() {
            if (resumePending) {
                resumePending = false;
                codec.resumed();
            }
            codec.process(plainIn, plainLimit);
            try {
                plainOut.writeTo(codec.plaintextSink());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            maxNetworkOut = Math.max(maxNetworkOut, codec.networkOut().readableBytes());
        }

        void write(byte[] data) {
            plainOut.write(data);
        }

        /** Takes every plaintext byte received so far. */
        byte[] read() {
            return plainIn.readBytes((int) plainIn.readableBytes());
        }

        void release() {
            plainIn.clear();
            plainOut.clear();
            codec.networkIn().clear();
            codec.networkOut().clear();
        }
    }

    /**
     * Moves ciphertext both ways, in pieces of {@code pieces.getAsInt()} bytes (at least 1), runs queued tasks and
     * drives both ends until nothing moves any more.
     *
     * @return true if anything moved
     */
    boolean pump(IntSupplier pieces) {
        boolean any = false;
        for (int round = 0; round < 1_000_000; round++) {
            boolean moved = false;
            while (!tasks.isEmpty()) {
                tasks.poll().run();
                tasksRun++;
                moved = true;
            }
            client.drive();
            server.drive();
            moved |= move(client, server, pieces);
            moved |= move(server, client, pieces);
            if (!moved && !client.resumePending && !server.resumePending) {
                return any;
            }
            any = true;
        }
        throw new AssertionError("the pair never settled");
    }

    /** Moves one piece from {@code from}'s network output to {@code to}'s input, within the input's room. */
    private boolean move(Side from, Side to, IntSupplier pieces) {
        BufferChain out = from.codec.networkOut();
        if (out.isEmpty()) {
            return false;
        }
        int room = to.codec.networkInRoom();
        if (room == 0) {
            return false;
        }
        long n = Math.min(Math.min(out.readableBytes(), room), Math.max(1, pieces.getAsInt()));
        to.codec.networkIn().transferFrom(out, n);
        maxNetworkIn = Math.max(maxNetworkIn, to.codec.networkIn().readableBytes());
        to.drive();
        return true;
    }

    void release() {
        server.release();
        client.release();
    }
}
