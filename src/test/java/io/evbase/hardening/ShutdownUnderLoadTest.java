package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
import io.evbase.support.Figures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGTERM while 100 clients pipeline requests. Every request the server received before draining
 * began gets its whole reply, no reply is cut in the middle, each connection ends with a clean close after its
 * last reply, and the process exits within the drain timeout.
 *
 * <p>Two kinds of client: lock-step pipeliners write 32 requests, read the 32 replies, and again (everything they
 * wrote is in the server's socket when the drain begins, so all of it must be answered); streaming pipeliners write
 * on one thread and read on another, keeping up to {@link #WINDOW} requests in flight, so the server always has
 * unread requests when it closes (a plain close would reset the connection and drop undelivered replies).
 */
@ExtendWith(ChildServer.OutputOnFailure.class)
class ShutdownUnderLoadTest {

    private static final int CLIENTS = 100;
    private static final int DEPTH = 32;
    private static final int WINDOW = 512;
    /**
     * Far longer than the drain takes (a few hundred milliseconds; seconds on a busy machine): the drain must end
     * by itself, having answered everything, not be cut by its timeout.
     */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    /** A request/reply protocol as the clients see it: the n-th request of a client and its exact reply. */
    interface Protocol {
        byte[] request(int client, long n);

        byte[] reply(int client, long n);
    }

    /** The test protocol of {@link RequestReplyHandler}: {@code req c n} answered {@code OK req c n}. */
    static final Protocol LINES = new Protocol() {
        public byte[] request(int c, long n) {
            return ("req " + c + " " + n + "\n").getBytes(StandardCharsets.US_ASCII);
        }

        public byte[] reply(int c, long n) {
            return ("OK req " + c + " " + n + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    };

    /** memcache: a set, then a get of what it stored, and again, each client with keys of its own. */
    static final Protocol MEMCACHE = new Protocol() {
        private String key(int c, long n) {
            return "k" + c + "-" + n / 2;
        }

        private String value(int c, long n) {
            return String.format("%08d", (c * 7919L + n / 2) % 100_000_000L);
        }

        public byte[] request(int c, long n) {
            String req = n % 2 == 0 ? "set " + key(c, n) + " 0 0 8\r\n" + value(c, n) + "\r\n" : "get " + key(c, n) + "\r\n";
            return req.getBytes(StandardCharsets.US_ASCII);
        }

        public byte[] reply(int c, long n) {
            String rep = n % 2 == 0 ? "STORED\r\n" : "VALUE " + key(c, n) + " 0 8\r\n" + value(c, n) + "\r\nEND\r\n";
            return rep.getBytes(StandardCharsets.US_ASCII);
        }
    };

    /** What one client saw. */
    record Outcome(long writtenBeforeTerm, long answered, long answeredAfterTerm, boolean reset, String problem) {
    }

    @Test
    void sigtermWhileAHundredLineClientsPipelineLosesAndCutsNothing() throws Exception {
        sigtermUnderLoad("lines", LINES);
    }

    @Test
    void sigtermWhileAHundredMemcacheClientsPipelineLosesAndCutsNothing() throws Exception {
        sigtermUnderLoad("memcache", MEMCACHE);
    }

    private void sigtermUnderLoad(String listener, Protocol protocol) throws Exception {
        List<String> args = List.of("--spring.main.sources=" + HardeningProtocols.class.getName(),
                "--evbase.listeners." + listener + ".port=0", "--evbase.listeners." + listener + ".protocol=" + listener,
                "--evbase.listeners." + listener + ".bind-address=127.0.0.1", "--evbase.workers=2",
                "--evbase.shutdown.drain-timeout=" + DRAIN.toSeconds() + "s");
        ExecutorService threads = Executors.newCachedThreadPool();
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), args, 1, Duration.ofSeconds(60))) {
            int port = child.port(listener);
            AtomicLong termAt = new AtomicLong(Long.MAX_VALUE);
            AtomicLong replies = new AtomicLong();
            CountDownLatch connected = new CountDownLatch(CLIENTS);
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                boolean streaming = i % 2 == 1;
                outcomes.add(threads.submit(() -> streaming
                        ? streaming(protocol, port, id, termAt, replies, connected, threads)
                        : lockStep(protocol, port, id, termAt, replies, connected)));
            }
            assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
            // SIGTERM once the load runs: four rounds of requests per client answered, in all.
            long before = replies.get();
            long since = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> replies.get() - before >= 4L * CLIENTS * DEPTH);
            long rate = (replies.get() - before) * 1_000_000_000L / Math.max(1, System.nanoTime() - since);

            Instant termWall = Instant.now();
            long term = System.nanoTime();
            termAt.set(term);
            child.terminate();
            List<Outcome> lockStep = new ArrayList<>();
            List<Outcome> streaming = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                (i % 2 == 1 ? streaming : lockStep).add(outcomes.get(i).get(60, TimeUnit.SECONDS));
            }
            long endedAfter = (System.nanoTime() - term) / 1_000_000;
            assertThat(child.waitFor(Duration.ofSeconds(60))).isTrue();
            long exitMillis = (System.nanoTime() - term) / 1_000_000;

            List<String> problems = new ArrayList<>();
            lockStep.stream().filter(o -> o.problem() != null).forEach(o -> problems.add(o.problem()));
            streaming.stream().filter(o -> o.problem() != null).forEach(o -> problems.add(o.problem()));
            String log = String.join("\n", child.output());
            java.nio.file.Files.writeString(java.nio.file.Path.of("target/shutdown-" + listener + "-child.log"),
                    log + "\nTERM " + termWall + "\n");
            String drainLine = child.output().stream().filter(l -> l.contains("evbase draining")).findFirst().orElse("");
            long drainBeganAfter = drainLine.length() > 24
                    ? Duration.between(termWall, Instant.parse(drainLine.substring(0, 24))).toMillis() : -1;
            Figures.print("8 shutdown under load (" + listener + ")",
                    "%d clients pipelining %d deep (%d replies/s before SIGTERM), drain began %d ms after SIGTERM;"
                            + " lock-step: %d of %d requests written before SIGTERM answered, %d more answered after it,"
                            + " %d resets; streaming (%d in flight, 4 KiB receive window): %d answered after SIGTERM,"
                            + " %d ended by a reset; %d problems (cut or missing replies) %s; last client done %d ms after SIGTERM, process exited"
                            + " after %d ms (drain timeout %d ms)",
                    CLIENTS, DEPTH, rate, drainBeganAfter,
                    lockStep.stream().mapToLong(o -> Math.min(o.answered(), o.writtenBeforeTerm())).sum(),
                    lockStep.stream().mapToLong(Outcome::writtenBeforeTerm).sum(),
                    lockStep.stream().mapToLong(Outcome::answeredAfterTerm).sum(),
                    lockStep.stream().filter(Outcome::reset).count(), WINDOW,
                    streaming.stream().mapToLong(Outcome::answeredAfterTerm).sum(),
                    streaming.stream().filter(Outcome::reset).count(), problems.size(),
                    problems.stream().limit(3).toList(), endedAfter, exitMillis, DRAIN.toMillis());
            assertThat(problems).isEmpty();
            assertThat(log).contains("evbase draining").contains("evbase stopped").doesNotContain("drain timeout");
            assertThat(exitMillis).as("exit within the drain timeout").isLessThan(DRAIN.toMillis());
        } finally {
            threads.shutdownNow();
        }
    }

    /** Reads replies, checking each byte against the expected reply; shared by both kinds of client. */
    private static final class ReplyReader {
        final Protocol protocol;
        final int id;
        final InputStream in;
        long answered;
        long answeredAfterTerm;
        boolean reset;
        String problem;

        ReplyReader(Protocol protocol, int id, InputStream in) {
            this.protocol = protocol;
            this.id = id;
            this.in = new java.io.BufferedInputStream(in, 16 * 1024);
        }

        /** Reads one whole reply; false at the end of the stream (or a reset, or a wrong reply). */
        boolean next(AtomicLong termAt, AtomicLong replies) throws IOException {
            byte[] expected = protocol.reply(id, answered);
            for (int i = 0; i < expected.length; i++) {
                int c;
                try {
                    c = in.read();
                } catch (SocketException e) {
                    reset = true;
                    c = -1;
                }
                if (c < 0) {
                    if (i > 0) {
                        problem = "client " + id + ": reply " + answered + " cut after " + i + " of " + expected.length
                                + " bytes" + (reset ? " (reset)" : "");
                    }
                    return false;
                }
                if (c != (expected[i] & 0xff)) {
                    problem = "client " + id + ": reply " + answered + " differs at byte " + i + ": expected "
                            + new String(expected, StandardCharsets.US_ASCII).trim();
                    return false;
                }
            }
            answered++;
            replies.incrementAndGet();
            if (System.nanoTime() > termAt.get()) {
                answeredAfterTerm++;
            }
            return true;
        }
    }

    private static byte[] batch(Protocol protocol, int id, long from, int n) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int k = 0; k < n; k++) {
            b.writeBytes(protocol.request(id, from + k));
        }
        return b.toByteArray();
    }

    /** Writes {@link #DEPTH} requests, reads their replies, and again, until the server closes. */
    private static Outcome lockStep(Protocol protocol, int port, int id, AtomicLong termAt, AtomicLong replies,
            CountDownLatch connected) throws IOException {
        try (Socket s = Clients.connect(port)) {
            connected.countDown();
            OutputStream out = s.getOutputStream();
            ReplyReader r = new ReplyReader(protocol, id, s.getInputStream());
            long written = 0;
            long writtenBeforeTerm = 0;
            while (true) {
                try {
                    out.write(batch(protocol, id, written, DEPTH));
                } catch (SocketException e) {
                    break; // the server closed after answering all it had
                }
                written += DEPTH;
                if (System.nanoTime() < termAt.get()) {
                    writtenBeforeTerm = written;
                }
                int got = 0;
                while (got < DEPTH && r.next(termAt, replies)) {
                    got++;
                }
                if (got < DEPTH) {
                    break;
                }
            }
            String problem = r.problem;
            if (problem == null && r.answered < writtenBeforeTerm) {
                problem = "client " + id + ": " + r.answered + " answered of " + writtenBeforeTerm
                        + " written before SIGTERM" + (r.reset ? " (reset)" : "");
            }
            return new Outcome(writtenBeforeTerm, r.answered, r.answeredAfterTerm, r.reset, problem);
        }
    }

    /** Writes requests on one thread without waiting and reads replies on this one, until the server closes. */
    private static Outcome streaming(Protocol protocol, int port, int id, AtomicLong termAt, AtomicLong replies,
            CountDownLatch connected, ExecutorService threads) throws Exception {
        try (Socket s = new Socket()) {
            // A small receive window: replies queue up in the server's kernel, where a reset would drop them.
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            connected.countDown();
            OutputStream out = s.getOutputStream();
            AtomicLong writtenBeforeTerm = new AtomicLong();
            java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(WINDOW);
            Future<?> writer = threads.submit(() -> {
                long written = 0;
                try {
                    while (true) {
                        while (!window.tryAcquire(DEPTH, 100, TimeUnit.MILLISECONDS)) {
                            if (s.isOutputShutdown()) {
                                return null;
                            }
                        }
                        out.write(batch(protocol, id, written, DEPTH));
                        written += DEPTH;
                        if (System.nanoTime() < termAt.get()) {
                            writtenBeforeTerm.set(written);
                        }
                    }
                } catch (IOException closed) {
                    return null; // the server closed
                }
            });
            ReplyReader r = new ReplyReader(protocol, id, s.getInputStream());
            while (r.next(termAt, replies)) {
                window.release();
            }
            s.shutdownOutput();
            writer.get(30, TimeUnit.SECONDS);
            return new Outcome(writtenBeforeTerm.get(), r.answered, r.answeredAfterTerm, r.reset, r.problem);
        }
    }
}
