package io.evbase.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A process's CPU time (user and kernel, of the whole process and of some of its threads), resident set and open
 * descriptors, from /proc: for the tests that watch a child server and for the benchmarks.
 *
 * <p>Threading: stateless; every method reads /proc afresh.
 */
public final class ProcStat {

    /** Clock ticks per second of /proc/PID/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
    public static final long TICKS_PER_SECOND = Long.getLong("clk.tck", 100);

    private ProcStat() {
    }

    /**
     * A snapshot of a process's CPU time in nanoseconds: user (its own code), system (the kernel on its behalf), and
     * the part of both spent by the threads whose name starts with a prefix (the event loops, say), -1 when unknown
     * (or no thread has that name).
     */
    public record Cpu(long user, long sys, long named) {

        static final Cpu UNKNOWN = new Cpu(-1, -1, -1);

        public boolean known() {
            return user >= 0 && sys >= 0;
        }

        public long total() {
            return user + sys;
        }
    }

    /**
     * CPU time of {@code pid}; {@code threadPrefix} (null or empty: no per-thread figure) names the threads whose
     * share is wanted, by their name as /proc shows it (at most 15 characters).
     */
    public static Cpu cpu(long pid, String threadPrefix) {
        long[] t = times(pid <= 0 ? null : Path.of("/proc/" + pid + "/stat"));
        if (t == null) {
            return Cpu.UNKNOWN;
        }
        long named = -1; // unknown, or no thread of that name
        if (threadPrefix != null && !threadPrefix.isEmpty()) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks) {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    long[] tt = comm.startsWith(threadPrefix) ? times(task.resolve("stat")) : null;
                    if (tt != null) {
                        named = Math.max(0, named) + tt[0] + tt[1];
                    }
                }
            } catch (IOException | RuntimeException e) {
                named = -1;
            }
        }
        return new Cpu(t[0], t[1], named);
    }

    /** utime + stime of {@code pid} in nanoseconds, or -1 when unknown. */
    public static long cpuNanos(long pid) {
        Cpu c = cpu(pid, null);
        return c.known() ? c.total() : -1;
    }

    private static long[] times(Path stat) {
        if (stat == null) {
            return null;
        }
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15, counted after "pid (comm) ": utime, stime
            return new long[] {Long.parseLong(f[11]) * 1_000_000_000L / TICKS_PER_SECOND,
                    Long.parseLong(f[12]) * 1_000_000_000L / TICKS_PER_SECOND};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** VmRSS of {@code pid} in bytes, or -1. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The descriptors {@code pid} has open. */
    public static int openDescriptors(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        }
    }
}
