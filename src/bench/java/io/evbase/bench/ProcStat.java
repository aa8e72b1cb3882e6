package io.evbase.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's CPU time and resident set from /proc. */
final class ProcStat {

    /** Clock ticks per second of /proc/PID/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
    static final long TICKS_PER_SECOND = Long.getLong("clk.tck", 100);

    private ProcStat() {
    }

    /** utime + stime of {@code pid} in nanoseconds, or -1 when unknown. */
    static long cpuNanos(long pid) {
        long[] t = times(pid);
        return t == null ? -1 : t[0] + t[1];
    }

    /** utime of {@code pid} in nanoseconds (the process's own code; stime is the kernel's), or -1. */
    static long userNanos(long pid) {
        long[] t = times(pid);
        return t == null ? -1 : t[0];
    }

    private static long[] times(long pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15: utime, stime
            return new long[] {Long.parseLong(f[11]) * 1_000_000_000L / TICKS_PER_SECOND,
                    Long.parseLong(f[12]) * 1_000_000_000L / TICKS_PER_SECOND};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** VmRSS of {@code pid} in bytes, or -1. */
    static long rssBytes(long pid) {
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
}
