package io.evbase.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.ChildServer;
import io.evbase.support.Clients;
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

/**
 * Issue 7, item 8: SIGTERM while 100 clients pipeline requests. Every request the server received before draining
 * began gets its whole reply, no reply is cut in the middle, each connection ends with a clean close after its
 * last reply, and the process exits within the drain timeout.
 *
 * <p>Two kinds of client: lock-step pipeliners write 32 requests, read the 32 replies, and again (everything they
 * wrote is in the server's socket when the drain begins, so all of it must be answered); streaming pipeliners write
 * on one thread and read on another, keeping up to {@link #WINDOW} requests in flight, so the server always has
 * unread requests when it closes (a plain close would reset the connection and drop undelivered replies).
 */
class ShutdownUnderLoadTest {

    private static final int CLIENTS = 100;
    private static final int DEPTH = 32;
    private static final int WINDOW = 512;
    private static final Duration DRAIN = Duration.ofSeconds(5);

    /** What one client saw. */
    record Outcome(long writtenBeforeTerm, long answered, long answeredAfterTerm, boolean reset, String problem) {
    }

    @Test
    void sigtermWhileAHundredClientsPipelineLosesAndCutsNothing() throws Exception {
        List<String> args = List.of("--spring.main.sources=" + HardeningProtocols.class.getName(),
                "--evbase.listeners.lines.port=0", "--evbase.listeners.lines.protocol=lines",
                "--evbase.listeners.lines.bind-address=127.0.0.1", "--evbase.listeners.echo.port=0",
                "--evbase.listeners.echo.bind-address=127.0.0.1", "--evbase.workers=2",
                "--evbase.shutdown.drain-timeout=" + DRAIN.toSeconds() + "s");
        ExecutorService threads = Executors.newCachedThreadPool();
        try (ChildServer child = ChildServer.start(List.of("-Xmx256m"), args, 1, Duration.ofSeconds(60))) {
            int port = child.port("lines");
            AtomicLong termAt = new AtomicLong(Long.MAX_VALUE);
            AtomicLong replies = new AtomicLong();
            CountDownLatch connected = new CountDownLatch(CLIENTS);
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                boolean streaming = i % 2 == 1;
                outcomes.add(threads.submit(() -> streaming
                        ? streaming(port, id, termAt, replies, connected, threads)
                        : lockStep(port, id, termAt, replies, connected)));
            }
            assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
            long before = replies.get();
            Thread.sleep(1000);
            long rate = replies.get() - before;

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
            java.nio.file.Files.writeString(java.nio.file.Path.of("target/shutdown-child.log"), log + "\nTERM " + termWall + "\n");
            String drainLine = child.output().stream().filter(l -> l.contains("evbase draining")).findFirst().orElse("");
            long drainBeganAfter = drainLine.length() > 24
                    ? Duration.between(termWall, Instant.parse(drainLine.substring(0, 24))).toMillis() : -1;
            Figures.print("8 shutdown under load",
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

    /** Reads replies, checking each against its request; shared by both kinds of client. */
    private static final class ReplyReader {
        final int id;
        final InputStream in;
        final StringBuilder line = new StringBuilder();
        long answered;
        long answeredAfterTerm;
        boolean reset;
        boolean eof;
        String problem;

        ReplyReader(int id, InputStream in) {
            this.id = id;
            this.in = in;
        }

        /** Reads one reply; false at the end of the stream (or a reset, or a wrong reply). */
        boolean next(AtomicLong termAt, AtomicLong replies) throws IOException {
            while (true) {
                int c;
                try {
                    c = in.read();
                } catch (SocketException e) {
                    reset = true;
                    c = -1;
                }
                if (c < 0) {
                    eof = !reset;
                    if (line.length() > 0) {
                        problem = "client " + id + ": reply cut: '" + line + "'" + (reset ? " (reset)" : "");
                    }
                    return false;
                }
                line.append((char) c);
                if (c == '\n') {
                    String expected = "OK req " + id + " " + answered + "\r\n";
                    if (!expected.contentEquals(line)) {
                        problem = "client " + id + ": expected " + expected.trim() + ", got " + line.toString().trim();
                        return false;
                    }
                    line.setLength(0);
                    answered++;
                    replies.incrementAndGet();
                    if (System.nanoTime() > termAt.get()) {
                        answeredAfterTerm++;
                    }
                    return true;
                }
            }
        }
    }

    private static byte[] batch(int id, long from, int n) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < n; k++) {
            b.append("req ").append(id).append(' ').append(from + k).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes {@link #DEPTH} requests, reads their replies, and again, until the server closes. */
    private static Outcome lockStep(int port, int id, AtomicLong termAt, AtomicLong replies, CountDownLatch connected)
            throws IOException {
        try (Socket s = Clients.connect(port)) {
            connected.countDown();
            OutputStream out = s.getOutputStream();
            ReplyReader r = new ReplyReader(id, s.getInputStream());
            long written = 0;
            long writtenBeforeTerm = 0;
            while (true) {
                try {
                    out.write(batch(id, written, DEPTH));
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
    private static Outcome streaming(int port, int id, AtomicLong termAt, AtomicLong replies, CountDownLatch connected,
            ExecutorService threads) throws Exception {
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
                        out.write(batch(id, written, DEPTH));
                        written += DEPTH;
                        if (System.nanoTime() < termAt.get()) {
                            writtenBeforeTerm.set(written);
                        }
                    }
                } catch (IOException closed) {
                    return null; // the server closed
                }
            });
            ReplyReader r = new ReplyReader(id, s.getInputStream());
            while (r.next(termAt, replies)) {
                window.release();
            }
            s.shutdownOutput();
            writer.get(30, TimeUnit.SECONDS);
            return new Outcome(writtenBeforeTerm.get(), r.answered, r.answeredAfterTerm, r.reset, r.problem);
        }
    }
}
