package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBase;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.CloseReason;
import io.evbase.net.BoundListener;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.memcache.MemcacheFuzzAccess;
import io.evbase.protocol.memcache.MemcacheHandler;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import io.evbase.support.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Test;

/**
 * The memcache handler through real sockets. Two servers, A and B, each with {@link #SLOTS}
 * memcache listeners on stores whose clocks stand still; slot j of A and slot j of B receive the same sessions
 * of mutated requests in the same order, A each in one write, B split at random with pauses between pieces, so
 * that the reads, and with them the parser's partial states, differ. Their reply streams must be equal (a session
 * that ends in a protocol-violation close may lose, on either side, the replies not yet sent: then one stream must
 * be a prefix of the other) and well formed. Sessions with lines over memcached's 2048-byte partial line limit
 * (whose fate depends on how the line arrives, in memcached too) and sessions a client resets in the middle go to
 * a third listener, whose replies are only checked for form. A bystander on A keeps storing and reading its own
 * keys throughout. Afterwards: no handler failure, no exception reached a loop, loops alive, every connection
 * counted closed, every chunk back in the pool.
 */
class MemcacheSocketFuzzTest {

    private static final int SLOTS = 4;

    private Server a;
    private Server b;
    private LogCapture log;

    private Server server(String name, List<ListenerSpec> extra) throws IOException {
        List<ListenerSpec> listeners = new ArrayList<>();
        for (int j = 0; j < SLOTS; j++) {
            listeners.add(ListenerSpec.of("slot" + j, 0, MemcacheFuzzAccess.frozenHandler())
                    .withWatermarks(64 << 10, 64 << 10, 16 << 10));
        }
        listeners.addAll(extra);
        Server s = new Server(new EventBaseGroup(2, name + "-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 18, 4 << 20), listeners);
        return s.start();
    }

    @Test
    void mutatedSessionsAnswerAlikeHoweverTheyArriveAndHarmNothing() throws Exception {
        log = LogCapture.start("io.evbase");
        a = server("mc-a", List.of(ListenerSpec.of("chaos", 0, MemcacheFuzzAccess.frozenHandler()),
                ListenerSpec.of("bystander", 0, new MemcacheHandler())));
        b = server("mc-b", List.of());
        int inputs = Fuzz.inputs(10_000);
        ExecutorService slots = Executors.newFixedThreadPool(SLOTS + 1);
        ExecutorService io = Executors.newCachedThreadPool();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong bystanderOps = new AtomicLong();
        long[] totals = new long[7]; // inputs, sessions, bytes, compared equal, compared as prefix, chaos, resets
        long start = System.nanoTime();
        try {
            Future<?> bystander = io.submit(() -> bystander(a.listener("bystander").port(), stop, bystanderOps));
            List<Future<long[]>> done = new ArrayList<>();
            for (int j = 0; j < SLOTS; j++) {
                int slot = j;
                int share = inputs / SLOTS + (j < inputs % SLOTS ? 1 : 0);
                done.add(slots.submit(() -> fuzzSlot(slot, share, io)));
            }
            for (Future<long[]> f : done) {
                long[] t = f.get(30, TimeUnit.MINUTES);
                for (int i = 0; i < t.length; i++) {
                    totals[i] += t[i];
                }
            }
            stop.set(true);
            bystander.get(30, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;
            String closesA = invariants(a);
            invariants(b);
            assertThat(log.escapes()).as("exceptions that reached a loop").isEmpty();
            Figures.print("7 fuzz, memcache through sockets",
                    "%,d mutated inputs in %,d sessions (%,d bytes) on %d slot pairs in %d ms: %,d sessions answered"
                            + " byte for byte alike whole and split, %,d alike up to a protocol-violation close, %,d to"
                            + " the chaos listener (long lines, %,d reset mid-stream), all replies well formed; the"
                            + " bystander's %,d set/get pairs all right; server A closes %s; 0 handler failures, 0"
                            + " escaped exceptions, loops alive, pools back to 0",
                    totals[0], totals[1], totals[2], SLOTS, millis, totals[3], totals[4], totals[5], totals[6],
                    bystanderOps.get(), closesA);
        } finally {
            stop.set(true);
            slots.shutdownNow();
            io.shutdownNow();
            log.close();
            a.shutdown(Duration.ofSeconds(5));
            b.shutdown(Duration.ofSeconds(5));
        }
    }

    private long[] fuzzSlot(int slot, int inputs, ExecutorService io) throws Exception {
        Fuzz fuzz = new Fuzz(0xFACE_0000L + slot, MemcacheParserFuzzTest.CORPUS);
        int portA = a.listener("slot" + slot).port();
        int portB = b.listener("slot" + slot).port();
        int chaos = a.listener("chaos").port();
        long[] t = new long[7];
        int left = inputs;
        while (left > 0) {
            int k = Math.min(left, 1 + fuzz.random.nextInt(100));
            left -= k;
            ByteArrayOutputStream session = new ByteArrayOutputStream();
            for (int i = 0; i < k; i++) {
                session.writeBytes(fuzz.next());
            }
            byte[] stream = session.toByteArray();
            int[] cuts = fuzz.socketSplits(stream.length);
            t[0] += k;
            t[1]++;
            t[2] += stream.length;
            boolean reset = fuzz.random.nextInt(25) == 0;
            if (reset || MemcacheParserFuzzTest.hasLongLine(stream)) {
                int resetAfter = reset ? fuzz.random.nextInt(cuts.length) : -1;
                byte[] got = send(chaos, stream, cuts, resetAfter, fuzz, io);
                if (got != null) {
                    MemcacheReplies.Check c = MemcacheReplies.check(got);
                    if (c.problem() != null) {
                        throw new AssertionError("chaos session " + LineParserFuzzTest.printable(stream) + ": "
                                + c.problem());
                    }
                }
                t[5]++;
                t[6] += reset ? 1 : 0;
                continue;
            }
            byte[] whole = send(portA, stream, new int[] {stream.length}, -1, null, io);
            byte[] split = send(portB, stream, cuts, -1, fuzz, io);
            MemcacheReplies.Check ca = MemcacheReplies.check(whole);
            MemcacheReplies.Check cb = MemcacheReplies.check(split);
            String problem = ca.problem() != null ? "A: " + ca.problem() : cb.problem() != null ? "B: " + cb.problem() : null;
            byte[] x = ca.withoutStats();
            byte[] y = cb.withoutStats();
            if (problem == null && !Arrays.equals(x, y)) {
                byte[] shorter = x.length <= y.length ? x : y;
                byte[] longer = x.length <= y.length ? y : x;
                boolean prefix = Arrays.equals(shorter, 0, shorter.length, longer, 0, shorter.length);
                if (prefix && endsInClose(stream)) {
                    t[4]++;
                } else {
                    problem = "answered differently:\n A " + LineParserFuzzTest.printable(x) + "\n B "
                            + LineParserFuzzTest.printable(y);
                }
            } else if (problem == null) {
                t[3]++;
            }
            if (problem != null) {
                throw new AssertionError("slot " + slot + " session " + LineParserFuzzTest.printable(stream) + " split "
                        + Arrays.toString(cuts) + ": " + problem);
            }
        }
        return t;
    }

    /** Whether the parser alone ends this session with a close (a protocol violation memcached hangs up on). */
    private static boolean endsInClose(byte[] stream) {
        return MemcacheParserFuzzTest.run(stream, new int[] {stream.length}, 4096).last()
                == io.evbase.protocol.memcache.RequestParser.Result.CLOSE;
    }

    /**
     * Writes {@code stream} in the given pieces (pausing now and then if {@code fuzz} is given), then half-closes
     * (or resets after piece {@code resetAfter}); returns everything read until the server closed, or null after a
     * reset.
     */
    private static byte[] send(int port, byte[] stream, int[] cuts, int resetAfter, Fuzz fuzz, ExecutorService io)
            throws Exception {
        try (Socket s = Clients.connect(port)) {
            Future<?> writer = io.submit(() -> {
                OutputStream out = s.getOutputStream();
                int from = 0;
                try {
                    for (int i = 0; i < cuts.length; i++) {
                        out.write(stream, from, cuts[i] - from);
                        from = cuts[i];
                        if (i == resetAfter) {
                            s.setSoLinger(true, 0);
                            s.close();
                            return null;
                        }
                        if (fuzz != null && i % 8 == 7) {
                            Thread.sleep(0, 200_000); // let the server read what is there: another split
                        }
                    }
                    s.shutdownOutput();
                } catch (SocketException closedByServer) {
                    // the server hung up (a protocol violation, quit): the rest is not wanted
                }
                return null;
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketException e) {
                writer.get(60, TimeUnit.SECONDS);
                if (resetAfter >= 0) {
                    return null;
                }
                throw new AssertionError("reset while reading after " + got.size() + " bytes", e);
            }
            writer.get(60, TimeUnit.SECONDS);
            return resetAfter >= 0 ? null : got.toByteArray();
        }
    }

    /** Stores and reads back keys of its own; any wrong answer fails the test. */
    private static Void bystander(int port, AtomicBoolean stop, AtomicLong ops) throws IOException, InterruptedException {
        try (Socket s = Clients.connect(port)) {
            for (long i = 0; !stop.get(); i++) {
                String value = "value-" + i;
                String req = "set bystander-" + (i % 100) + " 0 0 " + value.length() + "\r\n" + value + "\r\nget bystander-"
                        + (i % 100) + "\r\n";
                s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
                String want = "STORED\r\nVALUE bystander-" + (i % 100) + " 0 " + value.length() + "\r\n" + value
                        + "\r\nEND\r\n";
                String got = new String(Clients.readN(s.getInputStream(), want.length()), StandardCharsets.US_ASCII);
                if (!got.equals(want)) {
                    throw new AssertionError("bystander expected " + want + " got " + got);
                }
                ops.incrementAndGet();
                Thread.sleep(1);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- jqwik: bad requests over a real connection

    private static Server propertyServer;
    private static LogCapture propertyLog;

    @BeforeContainer
    static void startPropertyServer() throws IOException {
        propertyLog = LogCapture.start("io.evbase");
        propertyServer = new Server(new EventBaseGroup(2, "mc-prop-", Dispatch.ROUND_ROBIN),
                new BufferPool(4096, 1 << 18, 4 << 20), List.of(ListenerSpec.of("memcache", 0, new MemcacheHandler())))
                .start();
    }

    @AfterContainer
    static void stopPropertyServer() throws InterruptedException {
        try {
            invariants(propertyServer);
            assertThat(propertyLog.escapes()).isEmpty();
        } finally {
            propertyLog.close();
            propertyServer.shutdown(Duration.ofSeconds(5));
        }
    }

    /**
     * The parser-alone property over a real connection: valid requests, a bad one, then {@code mn}; the replies to
     * the valid ones carry no error, the bad one gets an error reply (then {@code MN}: the connection is back in
     * step) or, for what memcached hangs up on, the connection is closed.
     */
    @Property(tries = 200)
    void everyBadRequestGetsAnErrorOrACloseOverASocket(@ForAll("badRequests") MemcacheParserFuzzTest.Bad bad,
            @ForAll("validPrefix") List<String> prefix) throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        prefix.forEach(p -> stream.writeBytes(p.getBytes(StandardCharsets.ISO_8859_1)));
        int prefixEnd = stream.size();
        stream.writeBytes(bad.request());
        if (bad.closes()) {
            // Nothing after it: the server must hang up on the bad request itself (a partial line over the limit
            // must not be completed by a later newline), within a generous bound.
            try (Socket s = Clients.connect(propertyServer.listener("memcache").port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(stream.toByteArray());
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                try {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = s.getInputStream().read(buf)) >= 0) {
                        got.write(buf, 0, n);
                    }
                } catch (SocketException reset) {
                    // a close with the request unread: also a close
                }
                assertThat(MemcacheReplies.check(got.toByteArray()).errors()).as(bad.kind()).isZero();
            }
            return;
        }
        stream.writeBytes("mn\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] all = stream.toByteArray();
        ExecutorService io = Executors.newSingleThreadExecutor();
        try {
            byte[] got = send(propertyServer.listener("memcache").port(), all, new int[] {prefixEnd, all.length}, -1,
                    null, io);
            String text = new String(got, StandardCharsets.ISO_8859_1);
            MemcacheReplies.Check c = MemcacheReplies.check(got);
            assertThat(c.problem()).as(text).isNull();
            assertThat(c.errors()).as(bad.kind() + ": error replies in " + text).isPositive();
            assertThat(text).as(bad.kind() + ": back in step").endsWith("MN\r\n");
        } finally {
            io.shutdownNow();
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<MemcacheParserFuzzTest.Bad> badRequests() {
        return MemcacheParserFuzzTest.badRequests();
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<List<String>> validPrefix() {
        return MemcacheParserFuzzTest.validPrefix();
    }

    private static String invariants(Server s) {
        Map<CloseReason, Long> all = new EnumMap<>(CloseReason.class);
        for (BoundListener l : s.listeners()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> l.openConnections() == 0);
            long closed = 0;
            for (CloseReason r : CloseReason.values()) {
                closed += l.closed(r);
                if (l.closed(r) > 0) {
                    all.merge(r, l.closed(r), Long::sum);
                }
            }
            assertThat(closed).as("%s: every accepted connection counted closed", l.name()).isEqualTo(l.accepted());
            assertThat(l.closed(CloseReason.HANDLER_ERROR)).as("%s: handler failures", l.name()).isZero();
        }
        for (EventBase loop : s.group().loops()) {
            assertThat(loop.isTerminated()).isFalse();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> s.bufferPool().inUseBytes() == 0);
        return all.toString();
    }
}
