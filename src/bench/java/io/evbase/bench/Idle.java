package io.evbase.bench;

import com.sun.tools.attach.VirtualMachine;
import io.evbase.support.ProcStat;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Memory per idle connection: opens N connections (one round trip each, so the server has registered every one),
 * and compares the server's memory with the baseline taken after a warm-up. For a JVM server it attaches through
 * the Attach API and JMX, runs a full GC and reads the heap in use and the JDK's direct buffer pool; for any
 * server it reads VmRSS. {@code --source} binds the client's sockets to a local address of their own, so that
 * several runs of tens of thousands of connections don't run out of ephemeral ports on one.
 */
final class Idle {

    private Idle() {
    }

    record Mem(long rss, long heap, long direct) {
    }

    static String run(LoadGen g, boolean jvm, double hold) throws Exception {
        long pid = g.serverPid;
        if (pid <= 0) {
            throw new IllegalArgumentException("--server-pid is required for idle");
        }
        JMXConnector jmx = null;
        MBeanServerConnection mbeans = null;
        if (jvm) {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String url = vm.startLocalManagementAgent();
            vm.detach();
            jmx = JMXConnectorFactory.connect(new JMXServiceURL(url));
            mbeans = jmx.getMBeanServerConnection();
        }
        // Warm-up: connection objects, buffer caches and the JIT see traffic before the baseline.
        List<SocketChannel> warm = open(g, Math.min(500, g.conns));
        closeAll(warm);
        Thread.sleep(500);
        Mem before = measure(pid, mbeans);
        long t0 = System.nanoTime();
        List<SocketChannel> held = open(g, g.conns);
        double openSecs = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1000);
        Mem after = measure(pid, mbeans);
        Thread.sleep((long) (hold * 1000)); // --hold: time to look at the server by hand (jcmd GC.class_histogram)
        closeAll(held);
        if (jmx != null) {
            jmx.close();
        }
        int n = held.size();
        StringBuilder sb = new StringBuilder("RESULT");
        LoadGen.kv(sb, "mode", "idle");
        LoadGen.kv(sb, "conns", n);
        LoadGen.kv(sb, "open_seconds", String.format(Locale.ROOT, "%.2f", openSecs));
        LoadGen.kv(sb, "rss_before", before.rss);
        LoadGen.kv(sb, "rss_after", after.rss);
        LoadGen.kv(sb, "rss_per_conn", perConn(after.rss - before.rss, n));
        if (jvm) {
            LoadGen.kv(sb, "heap_before", before.heap);
            LoadGen.kv(sb, "heap_after", after.heap);
            LoadGen.kv(sb, "direct_before", before.direct);
            LoadGen.kv(sb, "direct_after", after.direct);
            LoadGen.kv(sb, "heap_per_conn", perConn(after.heap - before.heap, n));
            LoadGen.kv(sb, "direct_per_conn", perConn(after.direct - before.direct, n));
            LoadGen.kv(sb, "heap_direct_per_conn", perConn(after.heap + after.direct - before.heap - before.direct, n));
        }
        return sb.toString();
    }

    static String perConn(long delta, int n) {
        return String.format(Locale.ROOT, "%.0f", n == 0 ? 0.0 : (double) delta / n);
    }

    static List<SocketChannel> open(LoadGen g, int count) throws IOException {
        List<SocketChannel> list = new ArrayList<>(count);
        ByteBuffer in = ByteBuffer.allocate(4096);
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open();
                list.add(ch);
                if (g.source != null) {
                    // a local address of its own: ports in TIME_WAIT from an earlier run on another address don't count
                    ch.bind(new java.net.InetSocketAddress(g.source, 0));
                }
                ch.connect(g.address);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.write(ByteBuffer.wrap(g.churnRequest));
                in.clear();
                while (LoadGen.indexOf(in, (byte) '\n', 0, in.position()) < 0) {
                    if (ch.read(in) < 0) {
                        throw new IOException("server closed connection " + i);
                    }
                }
            }
        } catch (IOException e) {
            closeAll(list);
            throw e;
        }
        return list;
    }

    static void closeAll(List<SocketChannel> list) {
        for (SocketChannel ch : list) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    static Mem measure(long pid, MBeanServerConnection mbeans) throws IOException, InterruptedException {
        long heap = -1;
        long direct = -1;
        if (mbeans != null) {
            MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(mbeans,
                    ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            for (int i = 0; i < 3; i++) {
                memory.gc();
                Thread.sleep(200);
            }
            heap = memory.getHeapMemoryUsage().getUsed();
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(mbeans, BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    direct = pool.getMemoryUsed();
                }
            }
        } else {
            Thread.sleep(300);
        }
        return new Mem(ProcStat.rssBytes(pid), heap, direct);
    }
}
