package io.evbase.loop;

import io.evbase.buffer.BufferPool;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.echo.EchoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Echo throughput with the loop accounting on or off: run it twice, with and without
 * {@code -Devbase.loop.accounting=false}, and compare. Not a test (no {@code Test} in the name): a main class.
 *
 * <p>One worker loop, {@code clients} blocking clients each in a ping-pong of {@code size}-byte messages: one loop
 * iteration, one read and one write per message, so the per-iteration and per-callback accounting weighs as much
 * as it ever can. Reports messages per second and the loop thread's CPU time per message (steadier than
 * throughput on a shared machine).
 *
 * <p>Usage: {@code java -cp ... io.evbase.loop.AccountingOverheadBenchmark [seconds] [clients] [size]};
 * {@code bench/run.sh --only accounting} runs it both ways.
 *
 * <p>Threading: the main thread measures, one thread per client.
 */
public final class AccountingOverheadBenchmark {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 64;

        EventBaseGroup group = new EventBaseGroup(1, "bench-loop-", Dispatch.ROUND_ROBIN);
        Server server = new Server(group, new BufferPool(16 * 1024, 1 << 20, 64 << 20),
                List.of(new ListenerSpec("echo", "echo", "127.0.0.1", 0, 1024, new EchoHandler(), Duration.ZERO,
                        Duration.ZERO, Duration.ZERO, 1 << 20, 1 << 20, 256 << 10, 10_000, 128, null)));
        server.start();
        int port = server.listener("echo").port();

        LongAdder messages = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> pingPong(port, size, messages, stop), "bench-client-" + i);
            t.start();
            threads.add(t);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long loopThread = group.loops().get(0).thread().getId();

        Thread.sleep(Math.max(2000, seconds * 300L)); // warm-up: JIT, buffers
        long m0 = messages.sum();
        long c0 = mx.getThreadCpuTime(loopThread);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long m1 = messages.sum();
        long c1 = mx.getThreadCpuTime(loopThread);
        long t1 = System.nanoTime();

        stop.set(true);
        for (Thread t : threads) {
            t.join(5000);
        }
        server.shutdown(Duration.ofSeconds(5));

        double rate = (m1 - m0) * 1e9 / (t1 - t0);
        double cpuPerMessage = (double) (c1 - c0) / Math.max(1, m1 - m0);
        System.out.printf(Locale.ROOT, "accounting=%s clients=%d size=%d messages/s=%.0f loop-cpu-ns/message=%.1f%n",
                EventBase.accounting(), clients, size, rate, cpuPerMessage);
        System.out.printf(Locale.ROOT, "RESULT accounting=%s ops_per_s=%.0f loop_cpu_ns_per_op=%.1f%n",
                EventBase.accounting(), rate, cpuPerMessage);
    }

    private static void pingPong(int port, int size, LongAdder messages, AtomicBoolean stop) {
        byte[] message = new byte[size];
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            while (!stop.get()) {
                out.write(message);
                int got = 0;
                while (got < size) {
                    int n = in.read(message, got, size - got);
                    if (n < 0) {
                        return;
                    }
                    got += n;
                }
                messages.increment();
            }
        } catch (IOException e) {
            if (!stop.get()) {
                e.printStackTrace();
            }
        }
    }
}
