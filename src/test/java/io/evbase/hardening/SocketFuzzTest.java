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
import io.evbase.protocol.echo.EchoHandler;
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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Test;

/**
 * Through real sockets: mutated request streams, written in random pieces by many clients at
 * once, to the echo handler and the line request/reply handler of one server. Each stream's replies must be
 * exactly the model's ({@link LineModel}; the echo's is the stream itself); a line too long gets its error reply
 * and a close; some clients reset in the middle. Meanwhile a bystander keeps talking and must see nothing wrong.
 * After all of it: no loop died, no exception escaped, no handler failed, every connection is counted closed,
 * and every chunk is back in the pool.
 */
class SocketFuzzTest {

    private static final List<String> CORPUS = List.of("hello\n", "hello\r\n", "get key\r\n", "\n", "\r\n",
            "set k 0 0 5\r\nvalue\r\n", "gets a b c d e f g\r\n", "x".repeat(1023) + "\n", "y".repeat(1022) + "\r\n",
            "line one\nline two\nline three\n", "incr counter 1\r\n", "delete k noreply\r\n", "version\r\n");

    private static Server server;
    private static BufferPool pool;
    private static LogCapture log;

    @BeforeContainer
    static void startForProperties() throws IOException {
        start();
    }

    @AfterContainer
    static void stopForProperties() throws InterruptedException {
        stop("jqwik property");
    }

    static void start() throws IOException {
        log = LogCapture.start("io.evbase");
        pool = new BufferPool(4096, 1 << 18, 4 << 20);
        ListenerSpec lines = ListenerSpec.of("lines", 0, new RequestReplyHandler())
                .withWatermarks(64 << 10, 64 << 10, 16 << 10);
        ListenerSpec echo = ListenerSpec.of("echo", 0, new EchoHandler()).withWatermarks(64 << 10, 64 << 10, 16 << 10);
        server = new Server(new EventBaseGroup(2, "fuzz-", Dispatch.ROUND_ROBIN), pool, List.of(lines, echo));
        server.start();
    }

    /** The invariants after a fuzz run: nothing died, leaked or escaped; every connection counted. */
    static String stop(String what) throws InterruptedException {
        try {
            for (BoundListener l : server.listeners()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> l.openConnections() == 0);
                long closed = 0;
                for (CloseReason r : CloseReason.values()) {
                    closed += l.closed(r);
                }
                assertThat(closed).as("%s: every accepted connection counted closed", l.name()).isEqualTo(l.accepted());
                assertThat(l.closed(CloseReason.HANDLER_ERROR)).as("%s: handler failures", l.name()).isZero();
            }
            for (EventBase loop : server.group().loops()) {
                assertThat(loop.isTerminated()).isFalse();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.inUseBytes() == 0);
            assertThat(log.escapes()).as(what + ": exceptions that reached a loop").isEmpty();
            return closedByReason(server.listener("lines")) + " / echo " + closedByReason(server.listener("echo"));
        } finally {
            log.close();
            server.shutdown(Duration.ofSeconds(5));
        }
    }

    private static Map<CloseReason, Long> closedByReason(BoundListener l) {
        Map<CloseReason, Long> m = new EnumMap<>(CloseReason.class);
        for (CloseReason r : CloseReason.values()) {
            if (l.closed(r) > 0) {
                m.put(r, l.closed(r));
            }
        }
        return m;
    }

    /** One client session: a stream written in pieces, then a half-close or a reset; its replies read to the end. */
    record Session(boolean echo, byte[] stream, int[] cuts, int resetAfter) {
    }

    /** What a session saw: null if all was as the model says, else what differed. */
    static String play(Session s, ExecutorService writers) throws Exception {
        BoundListener listener = server.listener(s.echo() ? "echo" : "lines");
        byte[] expected;
        boolean serverCloses;
        if (s.echo()) {
            expected = s.resetAfter() >= 0 ? null : s.stream();
            serverCloses = false;
        } else {
            LineModel.Expected e = LineModel.expected(s.stream(), RequestReplyHandler.MAX_LINE);
            expected = s.resetAfter() >= 0 ? null : e.replies();
            serverCloses = e.serverCloses();
        }
        try (Socket socket = Clients.connect(listener.port())) {
            Future<?> writer = writers.submit(() -> {
                OutputStream out = socket.getOutputStream();
                int from = 0;
                try {
                    for (int i = 0; i < s.cuts().length; i++) {
                        int cut = s.cuts()[i];
                        out.write(s.stream(), from, cut - from);
                        from = cut;
                        if (i == s.resetAfter()) {
                            socket.setSoLinger(true, 0);
                            socket.close(); // reset, with whatever is in flight both ways
                            return null;
                        }
                    }
                    socket.shutdownOutput();
                } catch (SocketException e) {
                    if (!serverCloses && s.resetAfter() < 0) {
                        throw e; // only a server that closes on its own may refuse the rest
                    }
                }
                return null;
            });
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            try {
                int n;
                while ((n = socket.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketException e) {
                if (expected != null) {
                    return "reset while reading (" + e.getMessage() + ") after " + got.size() + " bytes";
                }
            }
            writer.get(60, TimeUnit.SECONDS);
            if (expected != null && !Arrays.equals(got.toByteArray(), expected)) {
                return "expected " + LineParserFuzzTest.printable(expected) + " got "
                        + LineParserFuzzTest.printable(got.toByteArray());
            }
            return null;
        }
    }

    /**
     * Builds sessions of mutated inputs until {@code inputs} are used up. A line session ends with the input that
     * makes the server close (a line too long): inputs after it would never be parsed, so they go to the next.
     */
    static List<Session> sessions(Fuzz fuzz, int inputs, long[] counts) {
        List<Session> sessions = new ArrayList<>();
        int left = inputs;
        while (left > 0) {
            boolean echo = fuzz.random.nextInt(4) == 0;
            int k = Math.min(left, 1 + fuzz.random.nextInt(400));
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            int[] ends = new int[k];
            for (int i = 0; i < k; i++) {
                stream.writeBytes(fuzz.next());
                ends[i] = stream.size();
            }
            byte[] bytes = stream.toByteArray();
            boolean closes = false;
            if (!echo) {
                LineModel.Expected e = LineModel.expected(bytes, RequestReplyHandler.MAX_LINE);
                closes = e.serverCloses();
                int used = 0;
                while (used < k && (used == 0 || ends[used - 1] < e.lookedAt())) {
                    used++;
                }
                k = used;
                bytes = Arrays.copyOf(bytes, ends[k - 1]);
            }
            left -= k;
            int[] cuts = fuzz.socketSplits(bytes.length);
            int resetAfter = fuzz.random.nextInt(20) == 0 && cuts.length > 0 ? fuzz.random.nextInt(cuts.length) : -1;
            sessions.add(new Session(echo, bytes, cuts, resetAfter));
            counts[0] += k;
            counts[1] += bytes.length;
            counts[2] += resetAfter >= 0 ? 1 : 0;
            counts[3] += closes && resetAfter < 0 ? 1 : 0;
        }
        return sessions;
    }

    @Test
    void mutatedStreamsThroughRealSockets() throws Exception {
        start();
        int inputs = Fuzz.inputs(20_000);
        Fuzz fuzz = new Fuzz(0x50C_CE7L, CORPUS);
        long[] counts = new long[4];
        ExecutorService clients = Executors.newFixedThreadPool(16);
        ExecutorService writers = Executors.newCachedThreadPool();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong canaryReplies = new AtomicLong();
        Future<?> canary = writers.submit(() -> {
            try (Socket s = Clients.connect(server.listener("lines").port())) {
                for (long i = 0; !stop.get(); i++) {
                    byte[] req = ("canary " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                    s.getOutputStream().write(req);
                    byte[] want = ("OK canary " + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    if (!Arrays.equals(Clients.readN(s.getInputStream(), want.length), want)) {
                        throw new AssertionError("the bystander got a wrong reply");
                    }
                    canaryReplies.incrementAndGet();
                    Thread.sleep(2);
                }
            }
            return null;
        });
        long start = System.nanoTime();
        String closes;
        try {
            // Generated in batches, so that a million inputs never sit in memory at once.
            int left = inputs;
            int sessionCount = 0;
            while (left > 0) {
                int batch = Math.min(left, 20_000);
                left -= batch;
                List<Session> sessions = sessions(fuzz, batch, counts);
                sessionCount += sessions.size();
                List<Future<String>> results = new ArrayList<>();
                for (Session s : sessions) {
                    results.add(clients.submit(() -> play(s, writers)));
                }
                for (int i = 0; i < sessions.size(); i++) {
                    String problem = results.get(i).get(120, TimeUnit.SECONDS);
                    if (problem != null) {
                        Session s = sessions.get(i);
                        throw new AssertionError((s.echo() ? "echo" : "lines") + " session of "
                                + LineParserFuzzTest.printable(s.stream()) + ": " + problem);
                    }
                }
            }
            stop.set(true);
            canary.get(30, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;
            closes = stop("socket fuzzer");
            Figures.print("7 fuzz, echo and line protocol through sockets",
                    "%,d mutated inputs in %,d sessions (%,d bytes; %,d ended by a line too long: error reply + close;"
                            + " %,d reset by the client mid-stream) from 16 clients at once in %d ms: every reply stream"
                            + " exactly the model's; the bystander got all %,d replies; closes: lines %s; 0 handler"
                            + " failures, 0 escaped exceptions, loops alive, pool in use back to 0",
                    counts[0], sessionCount, counts[1], counts[3], counts[2], millis, canaryReplies.get(), closes);
        } finally {
            stop.set(true);
            clients.shutdownNow();
            writers.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- jqwik: generated streams, shrunk on failure

    @Property(tries = 300)
    void anyStreamInAnySplitIsAnsweredAsTheModelSays(@ForAll("streams") byte[] stream, @ForAll boolean echo,
            @ForAll("steps") List<Integer> steps) throws Exception {
        int[] cuts = LineParserFuzzTest.cuts(stream.length, steps);
        ExecutorService writers = Executors.newSingleThreadExecutor();
        try {
            assertThat(play(new Session(echo, stream, cuts, -1), writers)).isNull();
        } finally {
            writers.shutdownNow();
        }
    }

    @Provide
    Arbitrary<byte[]> streams() {
        Arbitrary<byte[]> pieces = Arbitraries.oneOf(
                Arbitraries.of(CORPUS).map(s -> s.getBytes(StandardCharsets.ISO_8859_1)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                Arbitraries.integers().between(1000, 3000).map(n -> "z".repeat(n).getBytes(StandardCharsets.US_ASCII)));
        return pieces.list().ofMaxSize(30).map(list -> {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            list.forEach(all::writeBytes);
            return all.toByteArray();
        });
    }

    @Provide
    Arbitrary<List<Integer>> steps() {
        return Arbitraries.integers().between(1, 3000).list().ofMaxSize(20);
    }
}
